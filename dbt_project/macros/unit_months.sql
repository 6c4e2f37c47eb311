{#- One join pattern for the per-commune monthly facts of a domain: the unit-months that any
    of its parts has a row for, and each part left-joined to them on (month, commune_code),
    so that a commune with only some of the facts keeps its row. -#}
{% macro unit_months_of(relations) -%}
    {%- for relation in relations %}
    select
        month,
        commune_code
    from {{ relation }}
    {%- if not loop.last %}
    union
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro left_join_on_unit_month(driver, relations) -%}
    from {{ driver }}
    {%- for relation in relations %}
    left join {{ relation }}
        on
            {{ driver }}.month = {{ relation }}.month
            and {{ driver }}.commune_code = {{ relation }}.commune_code
    {%- endfor %}
{%- endmacro %}
