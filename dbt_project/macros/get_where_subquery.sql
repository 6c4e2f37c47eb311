{#- A data test of a monthly fact checks the month being built, not every month again:
    otherwise each month's build would cost more than the last. Tests configured with
    where: "__in_build_month__" (the marts, in dbt_project.yml) are filtered to that month
    when their relation has a month column; dbt's own `where` handling is kept otherwise. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__in_build_month__' in where -%}
        {%- set has_month = execute and build_month() and (
            adapter.get_columns_in_relation(relation) | selectattr('name', 'equalto', 'month') | list
        ) -%}
        {%- set where = where | replace('__in_build_month__', in_build_month('month') if has_month else 'true') -%}
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
