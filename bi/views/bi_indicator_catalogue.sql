-- Danh mục chỉ số của phương pháp: trụ cột, tên, đơn vị đo, hướng, mục tiêu, trọng số, nguồn.
-- The methodology's indicator catalogue: pillar, names, unit, direction, target, weight, source.
with

indicators as (

    select
        ind.indicator_id,
        ind.pillar_id,
        ind.pillar_name_vi,
        ind.pillar_name_en,
        ind.name_vi,
        ind.name_en,
        ind.unit,
        ind.direction,
        ind.target,
        ind.weight,
        ind.source,
        ind.methodology_version
    from dti_mart.dim_indicator as ind

),

labelled as (

    select
        indicator_id,
        pillar_id,
        pillar_name_vi || ' / ' || pillar_name_en as pillar_label,
        name_vi as indicator_name_vi,
        name_en as indicator_name_en,
        name_vi || ' / ' || name_en as indicator_label,
        unit,
        case unit
            when 'share' then 'tỷ lệ (0–1) / share (0–1)'
            when 'per_1000_households' then 'trên 1.000 hộ / per 1,000 households'
            when 'per_1000_people' then 'trên 1.000 dân / per 1,000 people'
            when 'per_shop' then 'trên một gian hàng / per shop'
            when 'vnd_per_person' then 'đồng trên một người / VND per person'
            else unit
        end as unit_of_measure_label,
        case direction
            when 'higher_is_better' then 'càng cao càng tốt / higher is better'
            when 'lower_is_better' then 'càng thấp càng tốt / lower is better'
            else direction
        end as direction_label,
        target,
        weight,
        source,
        methodology_version
    from indicators

)

select * from labelled
