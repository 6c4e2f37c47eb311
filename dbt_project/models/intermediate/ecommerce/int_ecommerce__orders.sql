with

postmart as (

    select * from {{ ref('stg_postmart__orders') }}

),

voso as (

    select * from {{ ref('stg_voso__orders') }}

),

unioned as (

    select
        'postmart' as platform,
        'postmart:' || order_id as order_key,
        'postmart:' || shop_id as shop_key,
        amount_vnd,
        is_completed,
        completed_at,
        placed_at
    from postmart

    union all

    select
        'voso' as platform,
        'voso:' || order_id as order_key,
        'voso:' || shop_id as shop_key,
        amount_vnd,
        is_completed,
        completed_at,
        placed_at
    from voso

)

select
    *,
    {{ local_month('completed_at') }} as completed_month
from unioned
