{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
        on_schema_change='fail',
        indexes=[
            {'columns': ['month']},
            {'columns': ['unit_key', 'month']},
        ],
    )
}}

{#- One row per post-merger unit (province or commune), month and indicator that applies
    at the unit's level. Units with no data keep their row with is_missing = true: a missing
    value is never a zero. A province's shares are its communes' numerators over their
    denominators; a province-only indicator comes from the province's own inputs. -#}
with

commune_inputs as (

    select * from {{ ref('int_indicator_inputs__commune_monthly') }}

),

province_inputs as (

    select * from {{ ref('int_indicator_inputs__province_monthly') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}
    where is_current

),

months as (

    select month from {{ ref('int_calendar__months') }}

),

commune_values as (

    select
        months.month,
        units.unit_key,
        units.unit_level,
        units.unit_code,
        units.province_code,
        indicators.indicator_id,
        commune_inputs.numerator,
        commune_inputs.denominator
    from months
    cross join units
    cross join indicators
    left join commune_inputs
        on
            months.month = commune_inputs.month
            and units.unit_code = commune_inputs.commune_code
            and indicators.indicator_id = commune_inputs.indicator_id
    where units.unit_level = 'commune' and indicators.applies_to_communes

),

province_from_communes as (

    select
        commune_values.month,
        'province:' || commune_values.province_code as unit_key,
        'province' as unit_level,
        commune_values.province_code as unit_code,
        commune_values.province_code,
        commune_values.indicator_id,
        sum(commune_values.numerator) as numerator,
        sum(commune_values.denominator) as denominator
    from commune_values
    inner join indicators
        on commune_values.indicator_id = indicators.indicator_id
    where indicators.applies_to_provinces
    group by commune_values.month, commune_values.province_code, commune_values.indicator_id

),

province_only as (

    select
        months.month,
        units.unit_key,
        units.unit_level,
        units.unit_code,
        units.province_code,
        indicators.indicator_id,
        province_inputs.numerator,
        province_inputs.denominator
    from months
    cross join units
    cross join indicators
    left join province_inputs
        on
            months.month = province_inputs.month
            and units.unit_code = province_inputs.province_code
            and indicators.indicator_id = province_inputs.indicator_id
    where
        units.unit_level = 'province'
        and indicators.applies_to_provinces
        and not indicators.applies_to_communes

),

all_values as (

    select * from commune_values
    union all
    select * from province_from_communes
    union all
    select * from province_only

),

scored as (

    select
        all_values.month,
        all_values.unit_key,
        all_values.unit_level,
        all_values.unit_code,
        all_values.province_code,
        all_values.indicator_id,
        indicators.pillar_id,
        all_values.numerator,
        all_values.denominator,
        {{ safe_divide('all_values.numerator', 'all_values.denominator') }} as indicator_value
    from all_values
    inner join indicators
        on all_values.indicator_id = indicators.indicator_id

),

final as (

    select
        scored.*,
        {{ indicator_score('scored.indicator_value', 'indicators.target', 'indicators.direction') }}
            as score,
        scored.indicator_value is null as is_missing,
        indicators.weight,
        '{{ var("methodology_version") }}'::text as methodology_version
    from scored
    inner join indicators
        on scored.indicator_id = indicators.indicator_id

)

select
    month::date as month,
    unit_key::text as unit_key,
    unit_level::text as unit_level,
    unit_code::text as unit_code,
    province_code::text as province_code,
    indicator_id::text as indicator_id,
    pillar_id::text as pillar_id,
    numerator::numeric(20, 2) as numerator,
    denominator::numeric(20, 2) as denominator,
    round(indicator_value::numeric, 6)::numeric(20, 6) as indicator_value,
    round(score::numeric, 6)::numeric(9, 6) as score,
    is_missing::boolean as is_missing,
    weight::double precision as weight,
    methodology_version::text as methodology_version
from final
