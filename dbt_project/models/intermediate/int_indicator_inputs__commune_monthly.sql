{#- Every indicator's numerator and denominator per commune and month, in long form:
    one row per (month, commune, indicator). Each domain adds its indicators here. -#}
with

eoffice as (

    select * from {{ ref('int_eoffice__commune_monthly') }}

),

inputs as (

    select
        month,
        commune_code,
        'gov_docs_electronic_share' as indicator_id,
        documents_electronic::numeric as numerator,
        documents::numeric as denominator
    from eoffice

)

select * from inputs
