{#- ANALYZE a model's table after it is built (views have no statistics of their own).
    dbt does not, and autovacuum runs too late for the next model of the same build. -#}
{% macro analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
