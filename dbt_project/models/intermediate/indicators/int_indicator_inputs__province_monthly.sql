{#- Indicators computable only per province (the procedure catalogue is provincial). -#}
with

procedures as (

    select * from {{ ref('int_dvc__province_monthly') }}

),

inputs as (

    select
        month,
        province_code,
        'gov_procedures_full_online_share' as indicator_id,
        full_online_procedure_count::numeric as numerator,
        procedure_count::numeric as denominator
    from procedures

)

select * from inputs
