{#- Each source writes times its own way; these read them into timestamptz. -#}

{#- DVC: 'dd/mm/yyyy HH:MM:SS', a local (UTC+07:00) wall time without an offset. -#}
{% macro parse_vn_datetime(column) -%}
    (to_timestamp({{ column }}, 'DD/MM/YYYY HH24:MI:SS')::timestamp
        at time zone '{{ var("local_time_zone") }}')
{%- endmacro %}

{#- The handbook: 'dd/mm/yyyy' dates. -#}
{% macro parse_dmy_date(column) -%}
    to_date(nullif({{ column }}, ''), 'DD/MM/YYYY')
{%- endmacro %}

{#- Voso: epoch milliseconds. -#}
{% macro from_epoch_ms(column) -%}
    to_timestamp(({{ column }})::bigint / 1000.0)
{%- endmacro %}

{#- The last moment of a local month, as the exclusive upper bound of "by the end of M". -#}
{% macro month_end(month_column) -%}
    (({{ month_column }} + interval '1 month')::timestamp at time zone '{{ var("local_time_zone") }}')
{%- endmacro %}

{#- The local month of a timestamptz column is M (a sargable range would need M's bounds). -#}
{% macro in_local_month(timestamp_column, month_column) -%}
    ({{ local_month(timestamp_column) }} = {{ month_column }})
{%- endmacro %}
