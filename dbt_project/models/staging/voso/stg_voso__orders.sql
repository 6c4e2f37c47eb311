{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
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

    select distinct on (order_id) *
    from renamed
    order by order_id asc, updated_at desc, extracted_at desc

)

select
    *,
    status = 'delivered' as is_completed
from latest
