{{
    config(
        unique_key='product_id',
        indexes=[
            {'columns': ['product_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('postmart', 'products') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'ma_san_pham' as product_id,
        payload ->> 'ma_gian_hang' as shop_id,

        -- descriptions
        payload ->> 'ten_san_pham' as product_name,
        payload ->> 'trang_thai' as status,

        -- numerics
        (payload ->> 'gia_ban')::numeric as price_vnd,

        -- timestamps
        (payload ->> 'ngay_tao')::timestamptz as created_at,
        (payload ->> 'ngay_ngung_ban')::timestamptz as delisted_at,
        (payload ->> 'ngay_cap_nhat')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'product_id') }}

)

select * from latest
