-- Chỉ số DTI của mỗi tỉnh và xã theo tháng, kèm tên, toạ độ và nhãn song ngữ.
-- The DTI of every province and commune per month, with names, coordinates and bilingual labels.
with

facts as (

    select
        fct.month,
        fct.unit_key,
        fct.unit_level,
        fct.unit_code,
        fct.unit_name,
        fct.province_code,
        fct.digital_government_score,
        fct.digital_economy_score,
        fct.digital_society_score,
        fct.dti_score,
        fct.dti_rank,
        fct.units_ranked,
        fct.dti_score_change,
        fct.dti_rank_change,
        fct.completeness,
        fct.methodology_version,
        fct.publication_id
    from dti_mart.fct_dti_monthly as fct

),

units as (

    select
        dim.unit_key,
        dim.province_name,
        dim.latitude,
        dim.longitude
    from dti_mart.dim_admin_unit as dim

),

labelled as (

    select
        facts.month,
        to_char(facts.month, 'YYYY-MM') as month_label,
        facts.unit_key,
        facts.unit_level,
        case facts.unit_level
            when 'province' then 'Tỉnh / Province'
            when 'commune' then 'Xã / Commune'
            else facts.unit_level
        end as unit_level_label,
        facts.unit_code,
        facts.unit_name,
        facts.unit_name || ' (' || facts.unit_code || ')' as unit_label,
        facts.province_code,
        units.province_name,
        units.latitude,
        units.longitude,
        facts.digital_government_score,
        facts.digital_economy_score,
        facts.digital_society_score,
        facts.dti_score,
        case
            when facts.dti_score is null then '0. Chưa có điểm / No score'
            when facts.dti_score < 0.25 then '1. Dưới 0,25 / Below 0.25'
            when facts.dti_score < 0.5 then '2. 0,25–0,5 / 0.25–0.5'
            when facts.dti_score < 0.75 then '3. 0,5–0,75 / 0.5–0.75'
            else '4. Từ 0,75 / 0.75 and above'
        end as dti_score_band,
        facts.dti_rank,
        facts.units_ranked,
        facts.dti_score_change,
        facts.dti_rank_change,
        abs(facts.dti_score_change) as dti_score_change_abs,
        facts.completeness,
        (facts.dti_score is not null)::integer as is_scored,
        facts.methodology_version,
        facts.publication_id
    from facts
    left join units
        on facts.unit_key = units.unit_key

)

select * from labelled
