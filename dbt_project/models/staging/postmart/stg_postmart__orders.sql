{{
    config(
        unique_key='order_id',
        indexes=[
            {'columns': ['order_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('postmart', 'orders') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'ma_don_hang' as order_id,
        payload ->> 'ma_gian_hang' as shop_id,
        payload ->> 'ma_xa' as commune_code_as_given,

        -- categories
        payload ->> 'trang_thai' as status,

        -- numerics
        (payload ->> 'tong_tien')::numeric as amount_vnd,

        -- timestamps
        (payload ->> 'ngay_dat')::timestamptz as placed_at,
        (payload ->> 'ngay_hoan_thanh')::timestamptz as completed_at,
        (payload ->> 'ngay_cap_nhat')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'order_id') }}

)

select
    *,
    status = 'hoan_thanh' as is_completed
from latest
