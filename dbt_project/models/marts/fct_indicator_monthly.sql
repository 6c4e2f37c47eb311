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
    at the unit's level (int_indicator_scores__monthly), rounded for output: the index is
    computed from the unrounded values. -#}
with

scores as (

    select * from {{ ref('int_indicator_scores__monthly') }}

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
    is_partial::boolean as is_partial,
    communes_reporting::integer as communes_reporting,
    communes_total::integer as communes_total,
    round(coverage::numeric, 6)::numeric(9, 6) as coverage,
    weight::double precision as weight,
    '{{ var("methodology_version") }}'::text as methodology_version
from scores
