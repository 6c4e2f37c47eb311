{#- Staging tables take only the raw rows of loads they have not seen: a month's build
    then reads the new loads, not the whole history (raw rows are indexed by load_id, and a
    rerun of an interval always lands as a new, larger load_id). -#}
{% macro only_new_loads(load_id_column='load_id') -%}
    {%- if is_incremental() %}
    where {{ load_id_column }} > (select coalesce(max(load_id), 0) from {{ this }})
    {%- endif %}
{%- endmacro %}

{#- The rows of the newest current load of a snapshot entity (the whole list each run). -#}
{% macro newest_snapshot_load(source_name, entity) -%}
    load_id = (
        select max(ledger.load_id) from {{ source('pipeline', 'load_ledger') }} as ledger
        where
            ledger.source = '{{ source_name }}'
            and ledger.entity = '{{ entity }}'
            and ledger.status = 'current'
    )
{%- endmacro %}

{#- Rows that came from the loads whose window ends in the build month (load ids are global,
    so one ledger lookup serves every staging table; load_id is indexed). A stock's first
    window, open below, ends in the source's first month. -#}
{% macro from_build_month_loads(load_id_column='load_id') -%}
    {{ load_id_column }} in (
        select ledger.load_id from {{ source('pipeline', 'load_ledger') }} as ledger
        where {{ in_build_month(local_month("ledger.interval_end - interval '1 second'")) }}
    )
{%- endmacro %}
