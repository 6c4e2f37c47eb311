-- Within a month and a level, the ranks of the units with a score are exactly 1..n.
with

facts as (

    select * from {{ ref('fct_dti_monthly') }}
    where {{ in_build_month('month') }} and dti_score is not null

),

per_level as (

    select
        month,
        unit_level,
        count(*) as units,
        count(distinct dti_rank) as distinct_ranks,
        min(dti_rank) as best_rank,
        max(dti_rank) as worst_rank
    from facts
    group by month, unit_level

)

select * from per_level
where distinct_ranks != units or best_rank != 1 or worst_rank != units
