{{ config(materialized='view') }}

with

source as (

    select * from {{ source('dvc', 'procedures') }}

),

latest_snapshot as (

    -- a full snapshot each run: the newest one is the truth
    select * from source
    where {{ newest_snapshot_load('dvc', 'procedures') }}

),

renamed as (

    select
        -- ids
        payload ->> 'MaTTHC' as procedure_id,
        payload ->> 'MaTinh' as province_code,

        -- descriptions
        payload ->> 'TenTTHC' as procedure_name,
        payload ->> 'LinhVuc' as field_of_administration,

        -- service level now, and before its last upgrade
        payload ->> 'MucDo' as service_level,
        payload ->> 'MucDoTruoc' as previous_service_level,

        -- timestamps
        {{ parse_vn_datetime("payload ->> 'NgayApDung'") }} as level_applies_from,
        {{ parse_vn_datetime("payload ->> 'NgayNangCap'") }} as upgraded_at,
        {{ parse_vn_datetime("payload ->> 'NgayCapNhat'") }} as updated_at,

        -- lineage
        load_id,
        extracted_at

    from latest_snapshot

)

select * from renamed
