{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
        on_schema_change='fail',
        indexes=[{'columns': ['month', 'unit_level']}],
    )
}}

{#- The month's statistical audit of the index, in the style of the JRC/OECD Handbook on
    Constructing Composite Indicators (2008): one row per month, unit level and subject.
    An indicator row says how many units miss it, sit at its floor (score 0) or ceiling
    (score 1), how much its score moved since the previous month, and how it correlates
    with its pillar and with the index across the units; a pillar row compares its nominal
    weight with its effective importance (the squared correlation of the pillar with the
    index); a pair row names two indicators whose scores correlate above
    var('audit_double_counting_correlation') (double counting). Correlations are Pearson's
    over the units that have both scores, at full precision; they are null with fewer than
    three such units or when either score does not vary (PostgreSQL's corr() is null then).
    See docs/methodology.md, "The monthly audit". -#}
with

indicator_scores as (

    select * from {{ ref('int_indicator_scores__monthly') }}
    where {{ in_build_month('month') }}

),

previous_scores as (

    -- the previous month's published scores (rounded to 6 decimals), for the volatility
    select
        month,
        unit_key,
        indicator_id,
        score,
        is_partial
    from {{ ref('fct_indicator_monthly') }}
    {%- if build_month() %}
        where month = ({{ build_month() }} - interval '1 month')::date
    {%- endif %}

),

unit_scores as (

    select * from {{ ref('int_unit_scores__monthly') }}
    where {{ in_build_month('month') }}

),

pillars as (

    select * from {{ ref('dti_pillars') }}

),

units as (

    -- the level of each unit scored in the month
    select distinct
        month,
        unit_key,
        unit_level
    from indicator_scores

),

pillar_scores as (

    select
        unit_scores.month,
        unit_scores.unit_key,
        units.unit_level,
        pillar.pillar_id,
        pillar.pillar_score,
        unit_scores.dti_score
    from unit_scores
    inner join units
        on
            unit_scores.month = units.month
            and unit_scores.unit_key = units.unit_key
    cross join lateral (
        values
        ('digital_government', unit_scores.digital_government_score),
        ('digital_economy', unit_scores.digital_economy_score),
        ('digital_society', unit_scores.digital_society_score)
    ) as pillar (pillar_id, pillar_score)

),

indicator_units as (

    select
        indicator_scores.month,
        indicator_scores.unit_key,
        indicator_scores.unit_level,
        indicator_scores.indicator_id,
        indicator_scores.pillar_id,
        indicator_scores.score,
        pillar_scores.pillar_score,
        pillar_scores.dti_score,
        -- a change across a partial month measures the history's growth, not the unit's
        case
            when not indicator_scores.is_partial and not previous_scores.is_partial
                then abs(indicator_scores.score - previous_scores.score::double precision)
        end as score_change
    from indicator_scores
    left join pillar_scores
        on
            indicator_scores.month = pillar_scores.month
            and indicator_scores.unit_key = pillar_scores.unit_key
            and indicator_scores.pillar_id = pillar_scores.pillar_id
    left join previous_scores
        on
            previous_scores.month = (indicator_scores.month - interval '1 month')::date
            and indicator_scores.unit_key = previous_scores.unit_key
            and indicator_scores.indicator_id = previous_scores.indicator_id

),

indicator_measures as (

    select
        month,
        unit_level,
        indicator_id,
        pillar_id,
        count(*) as units_total,
        count(score) as units_present,
        count(*) filter (where score is null)::double precision / count(*) as missing_share,
        count(*) filter (where score = 0)::double precision / nullif(count(score), 0) as floor_share,
        count(*) filter (where score = 1)::double precision / nullif(count(score), 0) as ceiling_share,
        avg(score_change) as volatility,
        count(score_change) as units_compared,
        case
            when regr_count(score, pillar_score) >= 3 then corr(score, pillar_score)
        end as corr_with_pillar,
        case
            when regr_count(score, dti_score) >= 3 then corr(score, dti_score)
        end as corr_with_dti,
        -- zero variance across the units that have a score: every score the same
        coalesce(count(score) >= 2 and min(score) = max(score), false) as is_constant
    from indicator_units
    group by month, unit_level, indicator_id, pillar_id

),

pairs as (

    select
        first_indicator.month,
        first_indicator.unit_level,
        first_indicator.indicator_id,
        second_indicator.indicator_id as paired_indicator_id,
        regr_count(first_indicator.score, second_indicator.score) as units_present,
        case
            when regr_count(first_indicator.score, second_indicator.score) >= 3
                then corr(first_indicator.score, second_indicator.score)
        end as pair_correlation
    from indicator_scores as first_indicator
    inner join indicator_scores as second_indicator
        on
            first_indicator.month = second_indicator.month
            and first_indicator.unit_key = second_indicator.unit_key
            and first_indicator.indicator_id < second_indicator.indicator_id
    group by
        first_indicator.month,
        first_indicator.unit_level,
        first_indicator.indicator_id,
        second_indicator.indicator_id

),

double_counted_pairs as (

    select * from pairs
    where pair_correlation > {{ var('audit_double_counting_correlation') }}

),

pillar_measures as (

    select
        pillar_scores.month,
        pillar_scores.unit_level,
        pillar_scores.pillar_id,
        count(*) as units_total,
        count(pillar_scores.pillar_score) as units_present,
        count(*) filter (where pillar_scores.pillar_score is null)::double precision
        / count(*) as missing_share,
        case
            when regr_count(pillar_scores.pillar_score, pillar_scores.dti_score) >= 3
                then corr(pillar_scores.pillar_score, pillar_scores.dti_score)
        end as corr_with_dti,
        coalesce(
            count(pillar_scores.pillar_score) >= 2
            and min(pillar_scores.pillar_score) = max(pillar_scores.pillar_score),
            false
        ) as is_constant
    from pillar_scores
    group by pillar_scores.month, pillar_scores.unit_level, pillar_scores.pillar_id

),

pillar_importance as (

    select
        pillar_measures.*,
        pillars.weight as nominal_weight,
        -- the correlation ratio: the share of the index's variance the pillar accounts for
        power(pillar_measures.corr_with_dti, 2) as effective_importance
    from pillar_measures
    inner join pillars
        on pillar_measures.pillar_id = pillars.pillar_id

),

audit as (

    select
        month,
        unit_level,
        'indicator' as audit_kind,
        indicator_id as subject_id,
        null as paired_indicator_id,
        pillar_id,
        units_total,
        units_present,
        missing_share,
        floor_share,
        ceiling_share,
        volatility,
        units_compared,
        corr_with_pillar,
        corr_with_dti,
        null::double precision as pair_correlation,
        null::double precision as nominal_weight,
        null::double precision as effective_importance,
        null::double precision as importance_share,
        is_constant,
        exists(
            select 1 from double_counted_pairs
            where
                double_counted_pairs.month = indicator_measures.month
                and double_counted_pairs.unit_level = indicator_measures.unit_level
                and indicator_measures.indicator_id in (
                    double_counted_pairs.indicator_id, double_counted_pairs.paired_indicator_id
                )
        ) as is_double_counted
    from indicator_measures

    union all

    select
        month,
        unit_level,
        'pillar' as audit_kind,
        pillar_id as subject_id,
        null as paired_indicator_id,
        pillar_id,
        units_total,
        units_present,
        missing_share,
        null as floor_share,
        null as ceiling_share,
        null as volatility,
        null as units_compared,
        null as corr_with_pillar,
        corr_with_dti,
        null as pair_correlation,
        nominal_weight,
        effective_importance,
        effective_importance / nullif(
            sum(effective_importance) over (partition by month, unit_level), 0
        ) as importance_share,
        is_constant,
        false as is_double_counted
    from pillar_importance

    union all

    select
        month,
        unit_level,
        'indicator_pair' as audit_kind,
        indicator_id as subject_id,
        paired_indicator_id,
        null as pillar_id,
        null as units_total,
        units_present,
        null as missing_share,
        null as floor_share,
        null as ceiling_share,
        null as volatility,
        null as units_compared,
        null as corr_with_pillar,
        null as corr_with_dti,
        pair_correlation,
        null as nominal_weight,
        null as effective_importance,
        null as importance_share,
        false as is_constant,
        true as is_double_counted
    from double_counted_pairs

)

select
    month::date as month,
    unit_level::text as unit_level,
    audit_kind::text as audit_kind,
    subject_id::text as subject_id,
    paired_indicator_id::text as paired_indicator_id,
    pillar_id::text as pillar_id,
    units_total::integer as units_total,
    units_present::integer as units_present,
    round(missing_share::numeric, 6)::numeric(9, 6) as missing_share,
    round(floor_share::numeric, 6)::numeric(9, 6) as floor_share,
    round(ceiling_share::numeric, 6)::numeric(9, 6) as ceiling_share,
    round(volatility::numeric, 6)::numeric(9, 6) as volatility,
    units_compared::integer as units_compared,
    round(corr_with_pillar::numeric, 6)::numeric(9, 6) as corr_with_pillar,
    round(corr_with_dti::numeric, 6)::numeric(9, 6) as corr_with_dti,
    round(pair_correlation::numeric, 6)::numeric(9, 6) as pair_correlation,
    round(nominal_weight::numeric, 6)::numeric(9, 6) as nominal_weight,
    round(effective_importance::numeric, 6)::numeric(9, 6) as effective_importance,
    round(importance_share::numeric, 6)::numeric(9, 6) as importance_share,
    is_constant::boolean as is_constant,
    is_double_counted::boolean as is_double_counted,
    '{{ var("methodology_version") }}'::text as methodology_version
from audit
