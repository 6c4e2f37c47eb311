{{
    config(
        unique_key='shop_id',
        indexes=[
            {'columns': ['shop_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('postmart', 'shops') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'ma_gian_hang' as shop_id,
        payload ->> 'ma_ho' as household_id,
        payload ->> 'ma_xa' as commune_code_as_given,
        payload ->> 'ma_tinh' as province_code_as_given,

        -- descriptions
        payload ->> 'ten_gian_hang' as shop_name,
        payload ->> 'trang_thai' as status,

        -- timestamps
        (payload ->> 'ngay_tao')::timestamptz as created_at,
        (payload ->> 'ngay_tam_dung')::timestamptz as suspended_at,
        (payload ->> 'ngay_cap_nhat')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'shop_id') }}

),

resolved as (

    select
        *,
        {{ unit_code_generation('created_at') }} as unit_generation
    from latest

)

select * from resolved
