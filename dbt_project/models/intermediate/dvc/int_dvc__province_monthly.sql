{#- The procedure catalogue per province at the end of each month: a procedure upgraded
    after the month still had its previous level then. -#}
with

procedures as (

    select * from {{ ref('stg_dvc__procedures') }}

),

months as (

    select * from {{ ref('int_calendar__months') }}

),

level_at_month_end as (

    select
        months.month,
        procedures.province_code,
        procedures.procedure_id,
        case
            when procedures.upgraded_at >= months.month_end_at then procedures.previous_service_level
            else procedures.service_level
        end as service_level
    from procedures
    cross join months

),

monthly as (

    select
        month,
        province_code,
        count(*) as procedure_count,
        count(*) filter (where service_level = 'toan_trinh') as full_online_procedure_count
    from level_at_month_end
    group by month, province_code

)

select * from monthly
