{#- A data test of a monthly fact checks the month being built, not every month again:
    otherwise each month's build would cost more than the last. Tests configured with
    where: "__in_build_month__" (the marts, in dbt_project.yml) are filtered to that month
    when their relation has a month column, and "__in_build_month:export_month__" on the
    column named; dbt's own `where` handling is kept otherwise. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__in_build_month' in where -%}
        {#- "__in_build_month__" is short for "__in_build_month:month__" -#}
        {%- set where = where | replace('__in_build_month__', '__in_build_month:month__') -%}
        {%- set column = where.split('__in_build_month:')[1].split('__')[0] -%}
        {%- set placeholder = '__in_build_month:' ~ column ~ '__' -%}
        {%- set has_month = execute and build_month() and (
            adapter.get_columns_in_relation(relation) | selectattr('name', 'equalto', column) | list
        ) -%}
        {%- set where = where | replace(placeholder, in_build_month(column) if has_month else 'true') -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
