-- Điểm từng trụ cột (chính quyền số, kinh tế số, xã hội số) của mỗi đơn vị và tháng, dạng dài.
-- Each pillar's score (digital government, economy, society) per unit and month, in long form.
with

facts as (

    select
        fct.month,
        fct.unit_key,
        fct.unit_level,
        fct.unit_name,
        fct.province_code,
        fct.digital_government_score,
        fct.digital_economy_score,
        fct.digital_society_score,
        fct.publication_id
    from dti_mart.fct_dti_monthly as fct

),

pillars as (

    select distinct
        ind.pillar_id,
        ind.pillar_name_vi,
        ind.pillar_name_en
    from dti_mart.dim_indicator as ind

),

units as (

    select
        dim.unit_key,
        dim.province_name
    from dti_mart.dim_admin_unit as dim

),

unpivoted as (

    select
        facts.month,
        facts.unit_key,
        facts.unit_level,
        facts.unit_name,
        facts.province_code,
        scores.pillar_id,
        scores.pillar_score,
        facts.publication_id
    from facts
    cross join lateral (
        values
        ('digital_government', facts.digital_government_score),
        ('digital_economy', facts.digital_economy_score),
        ('digital_society', facts.digital_society_score)
    ) as scores (pillar_id, pillar_score)

),

labelled as (

    select
        unpivoted.month,
        to_char(unpivoted.month, 'YYYY-MM') as month_label,
        unpivoted.unit_key,
        unpivoted.unit_level,
        unpivoted.unit_name,
        unpivoted.province_code,
        units.province_name,
        unpivoted.pillar_id,
        pillars.pillar_name_vi,
        pillars.pillar_name_en,
        coalesce(
            pillars.pillar_name_vi || ' / ' || pillars.pillar_name_en, unpivoted.pillar_id
        ) as pillar_label,
        unpivoted.pillar_score,
        unpivoted.publication_id
    from unpivoted
    left join pillars
        on unpivoted.pillar_id = pillars.pillar_id
    left join units
        on unpivoted.unit_key = units.unit_key

)

select * from labelled
