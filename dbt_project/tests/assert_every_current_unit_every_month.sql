-- Every post-merger province and commune has a row in every built month of the index,
-- with or without data: a unit never disappears from the mart.
with

facts as (

    select * from {{ ref('fct_dti_monthly') }}
    where {{ in_build_month('month') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}
    where is_current

),

months as (

    select distinct month from facts

),

expected as (

    select
        months.month,
        units.unit_key
    from months
    cross join units

)

select
    expected.month,
    expected.unit_key
from expected
left join facts
    on expected.month = facts.month and expected.unit_key = facts.unit_key
where facts.unit_key is null
