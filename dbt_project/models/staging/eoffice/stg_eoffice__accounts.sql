{{ config(materialized='view') }}

with

source as (

    select * from {{ source('eoffice', 'accounts') }}

),

latest_snapshot as (

    -- accounts arrive as a full snapshot each run: the newest one is the truth
    select * from source
    where {{ newest_snapshot_load('eoffice', 'accounts') }}

),

renamed as (

    select
        -- ids
        payload ->> 'accountId' as account_id,
        payload ->> 'orgCode' as commune_code,
        payload ->> 'fullName' as full_name_token,

        -- timestamps
        (payload ->> 'createdAt')::timestamptz as created_at,
        (payload ->> 'deactivatedAt')::timestamptz as deactivated_at,
        (payload ->> 'certificateIssuedAt')::timestamptz as certificate_issued_at,
        (payload ->> 'updatedAt')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at

    from latest_snapshot

)

select * from renamed
