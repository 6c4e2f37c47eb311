{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
        on_schema_change='fail',
        indexes=[
            {'columns': ['month', 'unit_level']},
            {'columns': ['unit_key', 'month']},
        ],
    )
}}

{#- One row per unit (post-merger province or commune) and month: pillar scores, the total
    index, its rank among the units of the same level and the change from the previous
    month. Pillars are re-weighted over the indicators present; completeness says how much
    of the catalogue's weight was present. -#}
with

indicator_scores as (

    select * from {{ ref('fct_indicator_monthly') }}
    where {{ in_build_month('month') }}

),

pillars as (

    select * from {{ ref('dti_pillars') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}
    where is_current

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
        count(*) filter (where not is_missing) as indicators_present,
        count(*) as indicators_expected
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
        sum(pillar_scores.indicators_present) as indicators_present,
        sum(pillar_scores.indicators_expected) as indicators_expected
    from pillar_scores
    inner join pillars
        on pillar_scores.pillar_id = pillars.pillar_id
    group by pillar_scores.month, pillar_scores.unit_key

),

ranked as (

    select
        unit_scores.*,
        units.unit_level,
        units.unit_code,
        units.unit_name,
        units.province_code,
        case
            when unit_scores.dti_score is not null
                then row_number() over (
                    partition by
                        unit_scores.month,
                        units.unit_level,
                        unit_scores.dti_score is null
                    order by unit_scores.dti_score desc, units.unit_code asc
                )
        end as dti_rank,
        count(unit_scores.dti_score) over (
            partition by unit_scores.month, units.unit_level
        ) as units_ranked
    from unit_scores
    inner join units
        on unit_scores.unit_key = units.unit_key

),

previous_candidates as (

    select
        month,
        unit_key,
        dti_score,
        dti_rank
    from ranked
    {% if is_incremental() and build_month() %}
        union all
        select
            month,
            unit_key,
            dti_score,
            dti_rank
        from {{ this }}
        where month = ({{ build_month() }} - interval '1 month')::date
    {% endif %}

),

with_change as (

    select
        ranked.*,
        previous.dti_score as previous_dti_score,
        previous.dti_rank as previous_dti_rank,
        ranked.dti_score - previous.dti_score as dti_score_change,
        previous.dti_rank - ranked.dti_rank as dti_rank_change
    from ranked
    left join previous_candidates as previous
        on
            ranked.unit_key = previous.unit_key
            and previous.month = (ranked.month - interval '1 month')::date

)

select
    month::date as month,
    unit_key::text as unit_key,
    unit_level::text as unit_level,
    unit_code::text as unit_code,
    unit_name::text as unit_name,
    province_code::text as province_code,
    round(digital_government_score::numeric, 6)::numeric(9, 6) as digital_government_score,
    round(digital_economy_score::numeric, 6)::numeric(9, 6) as digital_economy_score,
    round(digital_society_score::numeric, 6)::numeric(9, 6) as digital_society_score,
    round(dti_score::numeric, 6)::numeric(9, 6) as dti_score,
    dti_rank::integer as dti_rank,
    units_ranked::integer as units_ranked,
    round(previous_dti_score::numeric, 6)::numeric(9, 6) as previous_dti_score,
    round(dti_score_change::numeric, 6)::numeric(9, 6) as dti_score_change,
    previous_dti_rank::integer as previous_dti_rank,
    dti_rank_change::integer as dti_rank_change,
    round(completeness::numeric, 6)::numeric(9, 6) as completeness,
    indicators_present::integer as indicators_present,
    indicators_expected::integer as indicators_expected,
    '{{ var("methodology_version") }}'::text as methodology_version
from with_change
