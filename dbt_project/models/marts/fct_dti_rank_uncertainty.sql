{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
        on_schema_change='fail',
        indexes=[{'columns': ['month']}],
    )
}}

{#- How sure is each province's rank? A Monte-Carlo sensitivity analysis in the style of
    the OECD/JRC Handbook on Constructing Composite Indicators (2008): in each of
    var('rank_uncertainty_draws') draws the indicator weights and the pillar weights are
    scaled by independent factors in [0.5, 1.5], and the normalisation is either the
    official one against a target scaled by a factor in [0.8, 1.2] or a min-max against the
    month's provinces; the provinces are ranked again. A rank whose 5th-95th percentile
    range is narrow is robust; a change of rank inside that range may be noise. -#}
with

indicator_scores as (

    -- at full precision: the output's rounding must not decide a draw's rank
    select * from {{ ref('int_indicator_scores__monthly') }}
    where unit_level = 'province' and {{ in_build_month('month') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

pillars as (

    select * from {{ ref('dti_pillars') }}

),

official as (

    select * from {{ ref('fct_dti_monthly') }}
    where unit_level = 'province' and {{ in_build_month('month') }}

),

draws as (

    select generate_series(1, {{ var('rank_uncertainty_draws') }}) as draw

),

indicator_ranges as (

    -- the min-max normalisation's bounds: the month's provinces with a value
    select
        month,
        indicator_id,
        min(indicator_value) as lowest,
        max(indicator_value) as highest
    from indicator_scores
    where not is_missing
    group by month, indicator_id

),

perturbed as (

    select
        draws.draw,
        scores.month,
        scores.unit_key,
        scores.indicator_id,
        indicators.pillar_id,
        indicators.weight
        * (0.5 + {{ pseudo_random("'w:' || draws.draw || ':' || scores.indicator_id") }}) as weight,
        case
            when {{ pseudo_random("'n:' || draws.draw") }} < 0.5
                then {{ indicator_score(
                    'scores.indicator_value',
                    'indicators.target * (0.8 + 0.4 * ' ~ pseudo_random("'t:' || draws.draw || ':' || scores.indicator_id") ~ ')',
                    'indicators.direction'
                ) }}
            when ranges.highest > ranges.lowest
                then case
                    when indicators.direction = 'higher_is_better'
                        then (scores.indicator_value - ranges.lowest) / (ranges.highest - ranges.lowest)
                    else (ranges.highest - scores.indicator_value) / (ranges.highest - ranges.lowest)
                end
            else 1
        end as score
    from indicator_scores as scores
    cross join draws
    inner join indicators
        on scores.indicator_id = indicators.indicator_id
    inner join indicator_ranges as ranges
        on scores.month = ranges.month and scores.indicator_id = ranges.indicator_id
    where not scores.is_missing

),

pillar_scores as (

    select
        draw,
        month,
        unit_key,
        pillar_id,
        sum(weight * score) / nullif(sum(weight), 0) as pillar_score
    from perturbed
    group by draw, month, unit_key, pillar_id

),

totals as (

    select
        pillar_scores.draw,
        pillar_scores.month,
        pillar_scores.unit_key,
        sum(
            pillars.weight
            * (0.5 + {{ pseudo_random("'p:' || pillar_scores.draw || ':' || pillar_scores.pillar_id") }})
            * pillar_scores.pillar_score
        )
        / nullif(sum(
            pillars.weight
            * (0.5 + {{ pseudo_random("'p:' || pillar_scores.draw || ':' || pillar_scores.pillar_id") }})
        ), 0) as dti_score
    from pillar_scores
    inner join pillars
        on pillar_scores.pillar_id = pillars.pillar_id
    group by pillar_scores.draw, pillar_scores.month, pillar_scores.unit_key

),

ranked as (

    select
        draw,
        month,
        unit_key,
        rank() over (partition by draw, month order by dti_score desc) as draw_rank
    from totals

),

summarised as (

    select
        month,
        unit_key,
        count(*) as draws,
        percentile_cont(0.5) within group (order by draw_rank) as rank_median,
        percentile_disc(0.05) within group (order by draw_rank) as rank_p05,
        percentile_disc(0.95) within group (order by draw_rank) as rank_p95,
        min(draw_rank) as rank_best,
        max(draw_rank) as rank_worst
    from ranked
    group by month, unit_key

)

select
    official.month::date as month,
    official.unit_key::text as unit_key,
    official.unit_code::text as province_code,
    official.unit_name::text as province_name,
    official.dti_rank::integer as dti_rank,
    summarised.rank_median::numeric(6, 1) as rank_median,
    summarised.rank_p05::integer as rank_p05,
    summarised.rank_p95::integer as rank_p95,
    summarised.rank_best::integer as rank_best,
    summarised.rank_worst::integer as rank_worst,
    summarised.draws::integer as draws,
    '{{ var("methodology_version") }}'::text as methodology_version
from official
inner join summarised
    on official.month = summarised.month and official.unit_key = summarised.unit_key
where official.dti_rank is not null
