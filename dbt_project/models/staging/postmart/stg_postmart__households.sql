{{
    config(
        unique_key='household_id',
        indexes=[
            {'columns': ['household_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('postmart', 'households') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'ma_ho' as household_id,
        payload ->> 'ma_xa' as commune_code_as_given,

        -- booleans
        coalesce((payload ->> 'tai_khoan_mua')::boolean, false) as has_buyer_account,
        coalesce((payload ->> 'tai_khoan_thanh_toan')::boolean, false) as has_payment_account,

        -- timestamps
        (payload ->> 'ngay_mo_tai_khoan_mua')::timestamptz as buyer_since,
        (payload ->> 'ngay_mo_thanh_toan')::timestamptz as payment_since,
        (payload ->> 'ngay_cap_nhat')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'household_id') }}

),

resolved as (

    select
        *,
        {{ unit_code_generation('coalesce(buyer_since, payment_since, updated_at)') }} as unit_generation
    from latest

)

select * from resolved
