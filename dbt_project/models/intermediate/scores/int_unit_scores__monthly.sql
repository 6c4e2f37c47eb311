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

{#- One row per unit (post-merger province or commune) and month: the three pillar scores
    and the index at full precision, kept for every month built so that the next month's
    change is computed from unrounded values too. A pillar is the weighted mean of its
    indicators present (re-weighted over them); the index the weighted mean of the pillars
    present; completeness the share of the catalogue's weight present; coverage the
    weighted share of a province's communes that delivered the indicators present. -#}
with

indicator_scores as (

    select * from {{ ref('int_indicator_scores__monthly') }}

),

pillars as (

    select * from {{ ref('dti_pillars') }}

),

pillar_scores as (

    select
        month,
        unit_key,
        pillar_id,
        sum(weight * score) filter (where not is_missing)
        / nullif(sum(weight) filter (where not is_missing), 0) as pillar_score,
        coalesce(sum(weight) filter (where not is_missing), 0) as weight_present,
        sum(weight) as weight_expected,
        sum(weight * coverage) filter (where not is_missing and coverage is not null) as weighted_coverage,
        sum(weight) filter (where not is_missing and coverage is not null) as weight_with_coverage,
        count(*) filter (where not is_missing) as indicators_present,
        count(*) as indicators_expected,
        bool_or(is_partial and not is_missing) as is_partial,
        string_agg(distinct indicator_source, '+') filter (
            where is_partial and not is_missing
        ) as partial_indicator_sources
    from indicator_scores
    group by month, unit_key, pillar_id

),

unit_scores as (

    select
        pillar_scores.month,
        pillar_scores.unit_key,
        max(pillar_scores.pillar_score) filter (
            where pillar_scores.pillar_id = 'digital_government'
        ) as digital_government_score,
        max(pillar_scores.pillar_score) filter (
            where pillar_scores.pillar_id = 'digital_economy'
        ) as digital_economy_score,
        max(pillar_scores.pillar_score) filter (
            where pillar_scores.pillar_id = 'digital_society'
        ) as digital_society_score,
        sum(pillars.weight * pillar_scores.pillar_score)
        / nullif(sum(pillars.weight) filter (where pillar_scores.pillar_score is not null), 0)
            as dti_score,
        sum(pillar_scores.weight_present) / nullif(sum(pillar_scores.weight_expected), 0)
            as completeness,
        sum(pillar_scores.weighted_coverage) / nullif(sum(pillar_scores.weight_with_coverage), 0)
            as coverage,
        sum(pillar_scores.indicators_present) as indicators_present,
        sum(pillar_scores.indicators_expected) as indicators_expected,
        coalesce(bool_or(pillar_scores.is_partial), false) as is_partial,
        string_agg(pillar_scores.partial_indicator_sources, '+') as partial_indicator_sources
    from pillar_scores
    inner join pillars
        on pillar_scores.pillar_id = pillars.pillar_id
    group by pillar_scores.month, pillar_scores.unit_key

),

final as (

    select
        month,
        unit_key,
        digital_government_score,
        digital_economy_score,
        digital_society_score,
        dti_score,
        completeness,
        coverage,
        indicators_present,
        indicators_expected,
        is_partial,
        -- the partial sources, each once and in order (e.g. 'dvc,handbook')
        (
            select string_agg(distinct part, ',' order by part)
            from unnest(string_to_array(partial_indicator_sources, '+')) as part
            where part <> 'reference'
        ) as partial_sources
    from unit_scores

)

select * from final
