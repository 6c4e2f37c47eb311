{{
    config(
        unique_key=['export_month', 'member_id'],
        indexes=[
            {'columns': ['export_month', 'member_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('handbook', 'activity') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        {{ local_month('interval_start') }} as export_month,

        -- ids
        payload ->> 'ma_dang_vien' as member_id,
        to_date(payload ->> 'thang', 'MM/YYYY') as activity_month,

        -- numerics
        (payload ->> 'so_lan_dang_nhap')::integer as logins,
        (payload ->> 'so_tai_lieu_da_doc')::integer as documents_read,

        -- booleans
        (payload ->> 'sinh_hoat_truc_tuyen') in ('1', 'true') as attended_online_meeting,

        -- lineage
        load_id,
        extracted_at

    from source

)

select * from renamed
