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

    select * from {{ source('voso', 'products') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'product_id' as product_id,
        payload ->> 'shop_id' as shop_id,

        -- descriptions
        payload ->> 'title' as product_name,

        -- numerics
        (payload ->> 'price')::numeric as price_vnd,

        -- booleans
        coalesce((payload ->> 'listed')::boolean, false) as is_listed,

        -- timestamps
        {{ from_epoch_ms("payload ->> 'created_at'") }} as created_at,
        {{ from_epoch_ms("payload ->> 'delisted_at'") }} as delisted_at,
        {{ from_epoch_ms("payload ->> 'updated_at'") }} as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'product_id') }}

)

select * from latest
