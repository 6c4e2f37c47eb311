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

    select * from {{ source('voso', 'orders') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'order_id' as order_id,
        payload ->> 'shop_id' as shop_id,

        -- categories
        payload ->> 'state' as status,

        -- numerics
        (payload ->> 'amount')::numeric as amount_vnd,

        -- timestamps
        {{ from_epoch_ms("payload ->> 'placed_at'") }} as placed_at,
        {{ from_epoch_ms("payload ->> 'delivered_at'") }} as completed_at,
        {{ from_epoch_ms("payload ->> 'updated_at'") }} as updated_at,

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
    status = 'delivered' as is_completed
from latest
