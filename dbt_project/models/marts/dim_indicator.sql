with

indicators as (

    select * from {{ ref('dti_indicators') }}

),

pillars as (

    select * from {{ ref('dti_pillars') }}

),

joined as (

    select
        indicators.indicator_id,
        indicators.pillar_id,
        indicators.name_vi,
        indicators.name_en,
        indicators.numerator,
        indicators.denominator,
        indicators.source,
        indicators.unit,
        indicators.direction,
        indicators.target,
        indicators.weight,
        indicators.levels,
        indicators.official_framework,
        indicators.official_component,
        indicators.citation,
        indicators.target_basis,
        indicators.target_citation,
        pillars.name_vi as pillar_name_vi,
        pillars.name_en as pillar_name_en,
        position('commune' in indicators.levels) > 0 as applies_to_communes,
        position('province' in indicators.levels) > 0 as applies_to_provinces,
        '{{ var("methodology_version") }}'::text as methodology_version
    from indicators
    inner join pillars
        on indicators.pillar_id = pillars.pillar_id

)

select * from joined
