{#- A record's place names equal a place of int_units__voso_places, nulls included.
    `is not distinct from` says the same, but PostgreSQL can only nest-loop it (records x
    places); these null-safe keys ('=' || name, or '' for null) join by hash. -#}
{% macro same_voso_place(record, place) -%}
    coalesce('=' || {{ record }}.province_name_as_given, '')
    = coalesce('=' || {{ place }}.province_name_as_given, '')
    and coalesce('=' || {{ record }}.commune_name_as_given, '')
    = coalesce('=' || {{ place }}.commune_name_as_given, '')
{%- endmacro %}
