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
    month. Ranks and changes come from the unrounded scores (int_unit_scores__monthly);
    only the output columns are rounded. A month whose history is partial for a source
    (is_partial) is ranked with its flag; its change, and the next month's change from it,
    are left empty: they would measure the history's growth, not the units'. -#}
with

unit_scores as (

    select * from {{ ref('int_unit_scores__monthly') }}
    {%- if build_month() %}
        where month in ({{ build_month() }}, ({{ build_month() }} - interval '1 month')::date)
    {%- endif %}

),

units as (

    select * from {{ ref('dim_admin_unit') }}
    where is_current

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

with_change as (

    select
        ranked.*,
        previous.dti_score as previous_dti_score,
        previous.dti_rank as previous_dti_rank,
        case
            when not ranked.is_partial and not previous.is_partial
                then ranked.dti_score - previous.dti_score
        end as dti_score_change,
        case
            when not ranked.is_partial and not previous.is_partial
                then previous.dti_rank - ranked.dti_rank
        end as dti_rank_change
    from ranked
    left join ranked as previous
        on
            ranked.unit_key = previous.unit_key
            and previous.month = (ranked.month - interval '1 month')::date
    where {{ in_build_month('ranked.month') }}

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
    round(coverage::numeric, 6)::numeric(9, 6) as coverage,
    indicators_present::integer as indicators_present,
    indicators_expected::integer as indicators_expected,
    is_partial::boolean as is_partial,
    partial_sources::text as partial_sources,
    '{{ var("methodology_version") }}'::text as methodology_version
from with_change
