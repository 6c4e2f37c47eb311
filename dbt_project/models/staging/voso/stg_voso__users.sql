{{
    config(
        unique_key='user_id',
        indexes=[
            {'columns': ['user_id'], 'unique': true},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('voso', 'users') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'user_id' as user_id,
        payload ->> 'household_ref' as household_id,

        -- places, as typed
        payload ->> 'province' as province_name_as_given,
        payload ->> 'commune' as commune_name_as_given,

        -- booleans
        coalesce((payload ->> 'is_buyer')::boolean, false) as has_buyer_account,
        coalesce((payload ->> 'has_wallet')::boolean, false) as has_payment_account,

        -- timestamps
        {{ from_epoch_ms("payload ->> 'buyer_since'") }} as buyer_since,
        {{ from_epoch_ms("payload ->> 'wallet_since'") }} as payment_since,
        {{ from_epoch_ms("payload ->> 'updated_at'") }} as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'user_id') }}

)

select * from latest
