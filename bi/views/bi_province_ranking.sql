-- Xếp hạng tỉnh theo DTI trong tháng, với ba trụ cột và khoảng xếp hạng (5%–95%).
-- Provinces ranked by DTI in each month, with the three pillars and the rank interval (5%–95%).
with

provinces as (

    select
        fct.month,
        fct.unit_key,
        fct.unit_code,
        fct.unit_name,
        fct.dti_score,
        fct.digital_government_score,
        fct.digital_economy_score,
        fct.digital_society_score,
        fct.dti_rank,
        fct.units_ranked,
        fct.dti_score_change,
        fct.dti_rank_change,
        fct.completeness,
        fct.coverage,
        fct.is_partial,
        fct.partial_sources,
        fct.publication_id
    from dti_mart.fct_dti_monthly as fct
    where fct.unit_level = 'province'

),

uncertainty as (

    select
        unc.month,
        unc.unit_key,
        unc.rank_p05,
        unc.rank_p95
    from dti_mart.fct_dti_rank_uncertainty as unc

),

ranked as (

    select
        provinces.month,
        to_char(provinces.month, 'YYYY-MM') as month_label,
        provinces.unit_key,
        provinces.unit_code,
        provinces.unit_name as province_name,
        provinces.dti_rank,
        provinces.units_ranked,
        provinces.dti_score,
        provinces.digital_government_score,
        provinces.digital_economy_score,
        provinces.digital_society_score,
        uncertainty.rank_p05,
        uncertainty.rank_p95,
        case
            when uncertainty.rank_p05 is not null
                then uncertainty.rank_p05::text || '–' || uncertainty.rank_p95::text
        end as rank_interval,
        provinces.dti_score_change,
        provinces.dti_rank_change,
        provinces.completeness,
        provinces.coverage,
        case when provinces.is_partial then 'một phần / partial: ' || provinces.partial_sources end
            as partial_history,
        provinces.publication_id
    from provinces
    left join uncertainty
        on
            provinces.month = uncertainty.month
            and provinces.unit_key = uncertainty.unit_key

)

select * from ranked
