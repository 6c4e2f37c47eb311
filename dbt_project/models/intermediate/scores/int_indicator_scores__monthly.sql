{#- One row per post-merger unit (province or commune), month being built and indicator
    that applies at the unit's level: numerator, denominator, and the value and score at
    full precision (the marts round them for output only; pillars, the index and ranks are
    computed from these). Units with no data keep their row with is_missing = true: a
    missing value is never a zero. A province's shares are the numerators over the
    denominators of its communes that delivered data, and say how many did (coverage); a
    province-only indicator comes from the province's own inputs. is_partial marks the
    values of a source whose history is not whole for the month (var partial_sources, set
    by the completeness gate: its first month, or flows that look back before it). -#}
{%- set partial_sources = (var('partial_sources', '') or '') | string -%}
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
        commune_inputs.denominator,
        -- a commune delivered the indicator when it has something to divide by
        coalesce(commune_inputs.denominator, 0) > 0 as is_reported
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
        sum(commune_values.denominator) as denominator,
        count(*) filter (where commune_values.is_reported) as communes_reporting,
        count(*) as communes_total
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
        province_inputs.denominator,
        null::bigint as communes_reporting,
        null::bigint as communes_total
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

    select
        month,
        unit_key,
        unit_level,
        unit_code,
        province_code,
        indicator_id,
        numerator,
        denominator,
        is_reported::int::bigint as communes_reporting,
        1::bigint as communes_total
    from commune_values
    union all
    select * from province_from_communes
    union all
    select * from province_only

),

scored as (

    select
        all_values.*,
        indicators.pillar_id,
        indicators.source as indicator_source,
        indicators.weight,
        indicators.target,
        indicators.direction,
        {{ safe_divide('all_values.numerator', 'all_values.denominator') }}::double precision
            as indicator_value,
        string_to_array(indicators.source, '+')
        && string_to_array('{{ partial_sources }}', ',') as is_partial
    from all_values
    inner join indicators
        on all_values.indicator_id = indicators.indicator_id

),

final as (

    select
        month,
        unit_key,
        unit_level,
        unit_code,
        province_code,
        indicator_id,
        pillar_id,
        numerator,
        denominator,
        indicator_value,
        {{ indicator_score('indicator_value', 'target', 'direction') }} as score,
        indicator_value is null as is_missing,
        is_partial,
        indicator_source,
        communes_reporting,
        communes_total,
        {{ safe_divide('communes_reporting', 'communes_total') }}::double precision as coverage,
        weight
    from scored

)

select * from final
