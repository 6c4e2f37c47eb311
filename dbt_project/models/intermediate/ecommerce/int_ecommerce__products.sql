with

postmart as (

    select * from {{ ref('stg_postmart__products') }}

),

voso as (

    select * from {{ ref('stg_voso__products') }}

),

unioned as (

    select
        'postmart' as platform,
        'postmart:' || product_id as product_key,
        'postmart:' || shop_id as shop_key,
        price_vnd,
        created_at,
        delisted_at
    from postmart

    union all

    select
        'voso' as platform,
        'voso:' || product_id as product_key,
        'voso:' || shop_id as shop_key,
        price_vnd,
        created_at,
        delisted_at
    from voso

)

select * from unioned
