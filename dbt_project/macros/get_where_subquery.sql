{#- Overrides dbt's own get_where_subquery (a project's macro of the same name wins), so it
    runs for every data test of the project, generic or singular: without one of the two
    placeholders below it does exactly what dbt's does.
    A data test of a monthly build checks what that build wrote, not every month again:
    otherwise each month's build would cost more than the last. Two placeholders in a
    test's `where` (set per folder in dbt_project.yml) say what that is:
    - "__in_build_month:col__" (short "__in_build_month__" for col = month): rows whose
      month column is the build month (the marts; the handbook's monthly exports);
    - "__from_build_month_loads__": rows an incremental staging model took from the loads
      of the build month (earlier rows were tested by their own month's build; snapshot
      models are rebuilt whole and tested whole).
    Without a build month, or when the column is missing, the placeholder is `true`;
    dbt's own `where` handling is kept otherwise. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__in_build_month' in where -%}
        {%- set where = where | replace('__in_build_month__', '__in_build_month:month__') -%}
        {%- set column = where.split('__in_build_month:')[1].split('__')[0] -%}
        {%- set placeholder = '__in_build_month:' ~ column ~ '__' -%}
        {%- set has_month = execute and build_month() and (
            adapter.get_columns_in_relation(relation) | selectattr('name', 'equalto', column) | list
        ) -%}
        {%- set where = where | replace(placeholder, in_build_month(column) if has_month else 'true') -%}
    {%- endif -%}
    {%- if where and '__from_build_month_loads__' in where -%}
        {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
        {%- set incremental = tested is not none and tested.config.materialized == 'incremental' -%}
        {%- set filter = from_build_month_loads() if incremental and build_month() else 'true' -%}
        {%- set where = where | replace('__from_build_month_loads__', filter) -%}
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
