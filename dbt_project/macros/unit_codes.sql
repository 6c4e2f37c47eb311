{#- Which generation of unit codes a source record carries: records created before the
    1 July 2025 merger name legacy units (63 provinces, districts, communes). -#}
{% macro unit_code_generation(created_at_column) -%}
    case
        when {{ created_at_column }} < timestamptz '{{ var("merger_at") }}' then 'legacy'
        else 'current'
    end
{%- endmacro %}

{#- The same for a monthly snapshot (the handbook's exports): months before the merger's
    month name legacy units. -#}
{% macro unit_code_generation_of_month(month_column) -%}
    case
        when {{ month_column }} < {{ local_month("timestamptz '" ~ var('merger_at') ~ "'") }} then 'legacy'
        else 'current'
    end
{%- endmacro %}

{#- The local calendar day the merger took effect (from var merger_at). -#}
{% macro merger_day() -%}
    (timestamptz '{{ var("merger_at") }}' at time zone '{{ var("local_time_zone") }}')::date
{%- endmacro %}
