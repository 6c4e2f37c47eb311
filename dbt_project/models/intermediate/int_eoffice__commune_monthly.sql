with

documents as (

    select * from {{ ref('stg_eoffice__documents') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

located as (

    select
        documents.*,
        crosswalk.commune_code
    from documents
    inner join crosswalk
        on
            documents.org_unit_generation = crosswalk.source_generation
            and documents.org_commune_code = crosswalk.source_commune_code

),

monthly as (

    select
        created_month as month,
        commune_code,
        count(*) as documents,
        count(*) filter (where is_electronic) as documents_electronic
    from located
    where {{ in_build_month('created_month') }}
    group by created_month, commune_code

)

select * from monthly
