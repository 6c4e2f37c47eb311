{{
    config(
        unique_key='document_id',
        indexes=[
            {'columns': ['document_id'], 'unique': true},
            {'columns': ['created_month']},
            {'columns': ['due_month']},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('eoffice', 'documents') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'id' as document_id,
        payload ->> 'orgCode' as org_commune_code,
        payload ->> 'handlerAccountId' as handler_account_id,

        -- categories
        payload ->> 'direction' as direction,
        payload ->> 'status' as status,

        -- booleans
        payload ->> 'transmission' = 'electronic' as is_electronic,
        coalesce((payload ->> 'digitallySigned')::boolean, false) as is_digitally_signed,

        -- timestamps
        (payload ->> 'createdAt')::timestamptz as created_at,
        (payload ->> 'dueAt')::timestamptz as due_at,
        (payload ->> 'completedAt')::timestamptz as completed_at,
        (payload ->> 'updatedAt')::timestamptz as updated_at,

        -- lineage
        load_id,
        extracted_at,
        record_hash

    from source

),

latest as (

    -- a document is landed again each time it changes: keep its latest version
    {{ latest_version('renamed', 'document_id') }}

),

resolved as (

    select
        *,
        {{ unit_code_generation('created_at') }} as org_unit_generation,
        {{ local_month('created_at') }} as created_month,
        {{ local_month('due_at') }} as due_month
    from latest

)

select * from resolved
