{#- Personal data (name, birth date, citizen ID, phone) arrives as keyed HMAC tokens:
    they still join (the same person has the same token) but say nothing by themselves. -#}
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

    select * from {{ source('handbook', 'members') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        {{ local_month('interval_start') }} as export_month,

        -- ids
        payload ->> 'ma_dang_vien' as member_id,
        payload ->> 'ma_chi_bo' as cell_id,

        -- pseudonymised personal data
        payload ->> 'ho_ten' as full_name_token,
        payload ->> 'ngay_sinh' as birth_date_token,
        payload ->> 'so_cccd' as citizen_id_token,
        payload ->> 'so_dien_thoai' as phone_token,

        -- dates
        {{ parse_dmy_date("payload ->> 'ngay_vao_dang'") }} as joined_party_on,
        {{ parse_dmy_date("payload ->> 'ngay_kich_hoat'") }} as account_activated_on,

        -- lineage
        load_id,
        extracted_at

    from source

)

select * from renamed
