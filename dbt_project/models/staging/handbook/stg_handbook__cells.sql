{{
    config(
        unique_key=['export_month', 'cell_id'],
        indexes=[
            {'columns': ['export_month', 'cell_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('handbook', 'cells') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- the export this row comes from: a snapshot as of the end of that month
        {{ local_month('interval_start') }} as export_month,

        -- ids
        payload ->> 'ma_chi_bo' as cell_id,
        payload ->> 'ma_dang_bo' as party_organisation_id,
        payload ->> 'ma_xa' as commune_code_as_given,

        -- descriptions
        payload ->> 'ten_chi_bo' as cell_name,
        payload ->> 'loai_chi_bo' as cell_type,

        -- dates
        {{ parse_dmy_date("payload ->> 'ngay_tham_gia'") }} as joined_platform_on,

        -- lineage
        load_id,
        extracted_at

    from source

)

select
    *,
    {{ unit_code_generation_of_month('export_month') }} as unit_generation
from renamed
