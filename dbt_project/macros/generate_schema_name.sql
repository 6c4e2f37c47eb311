{#- Layers land in fixed schemas (dti_staging, dti_intermediate, dti_build, dti_reference)
    instead of dbt's default <target>_<custom>, so that grants and BI settings can name them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        dti_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
