-- Giá trị và điểm của từng chỉ số thành phần theo đơn vị và tháng, với tên và đơn vị đo song ngữ.
-- Each component indicator's value and score per unit and month, with bilingual names and units.
with

facts as (

    select
        fct.month,
        fct.unit_key,
        fct.unit_level,
        fct.unit_code,
        fct.province_code,
        fct.indicator_id,
        fct.pillar_id,
        fct.numerator,
        fct.denominator,
        fct.indicator_value,
        fct.score,
        fct.is_missing,
        fct.publication_id
    from dti_mart.fct_indicator_monthly as fct

),

indicators as (

    select
        ind.indicator_id,
        ind.name_vi,
        ind.name_en,
        ind.pillar_name_vi,
        ind.pillar_name_en,
        ind.unit
    from dti_mart.dim_indicator as ind

),

units as (

    select
        dim.unit_key,
        dim.unit_name,
        dim.province_name
    from dti_mart.dim_admin_unit as dim

),

labelled as (

    select
        facts.month,
        to_char(facts.month, 'YYYY-MM') as month_label,
        facts.unit_key,
        facts.unit_level,
        facts.unit_code,
        units.unit_name,
        facts.province_code,
        units.province_name,
        facts.indicator_id,
        indicators.name_vi as indicator_name_vi,
        indicators.name_en as indicator_name_en,
        coalesce(
            indicators.name_vi || ' / ' || indicators.name_en, facts.indicator_id
        ) as indicator_label,
        facts.pillar_id,
        coalesce(
            indicators.pillar_name_vi || ' / ' || indicators.pillar_name_en, facts.pillar_id
        ) as pillar_label,
        indicators.unit,
        case indicators.unit
            when 'share' then 'tỷ lệ (0–1) / share (0–1)'
            when 'per_1000_households' then 'trên 1.000 hộ / per 1,000 households'
            when 'per_1000_people' then 'trên 1.000 dân / per 1,000 people'
            when 'per_shop' then 'trên một gian hàng / per shop'
            when 'vnd_per_person' then 'đồng trên một người / VND per person'
            else indicators.unit
        end as unit_of_measure_label,
        facts.numerator,
        facts.denominator,
        facts.indicator_value,
        facts.score,
        facts.is_missing,
        (not facts.is_missing)::integer as has_value,
        facts.publication_id
    from facts
    left join indicators
        on facts.indicator_id = indicators.indicator_id
    left join units
        on facts.unit_key = units.unit_key

)

select * from labelled
