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

    select * from {{ source('voso', 'shops') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'shop_id' as shop_id,
        payload ->> 'household_ref' as household_id,

        -- places, as the seller typed them
        payload ->> 'province' as province_name_as_given,
        payload ->> 'commune' as commune_name_as_given,

        -- descriptions
        payload ->> 'name' as shop_name,
        payload ->> 'status' as status,

        -- timestamps
        {{ from_epoch_ms("payload ->> 'created_at'") }} as created_at,
        {{ from_epoch_ms("payload ->> 'suspended_at'") }} as suspended_at,
        {{ from_epoch_ms("payload ->> 'updated_at'") }} as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'shop_id') }}

)

select * from latest
