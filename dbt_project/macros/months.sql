{#- The month being built, as a date literal, or none when every month is rebuilt. -#}
{% macro build_month() -%}
    {%- set month = var('month', none) -%}
    {%- if month -%}
        {%- set parts = (month | string).split('-') -%}
        {%- set malformed = parts | length != 2 or parts[0] | length != 4 or parts[1] | length != 2
            or not (parts[0] ~ parts[1]).isdigit() or parts[1] | int < 1 or parts[1] | int > 12 -%}
        {#- `execute` is false while dbt parses (and undefined for the SQL linter) -#}
        {%- if execute and malformed -%}
            {{ exceptions.raise_compiler_error("var 'month' must be YYYY-MM, got " ~ month) }}
        {%- endif -%}
        date '{{ month }}-01'
    {%- endif -%}
{%- endmacro %}

{#- A filter on a month column that keeps only the month being built (or every month). -#}
{% macro in_build_month(month_column) -%}
    {%- if build_month() -%}
        {{ month_column }} = {{ build_month() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The local calendar month of a timestamptz. -#}
{% macro local_month(timestamp_column) -%}
    date_trunc('month', ({{ timestamp_column }}) at time zone '{{ var("local_time_zone") }}')::date
{%- endmacro %}
