{#- The latest version of each record: a record lands again every time it is read (each
    window's load, each rerun), and the copy with the latest change, then the latest read,
    says what it is. Used as the body of a staging model's `latest` step. -#}
{% macro latest_version(relation, key, changed_at='updated_at') -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    order by {{ key }} asc, {{ changed_at }} desc, extracted_at desc
{%- endmacro %}
