-- Điểm các chỉ số thành phần của mỗi tỉnh theo tháng, mỗi chỉ số một cột (danh mục phương pháp 1.0.0).
-- Each province's component-indicator scores per month, one column per indicator (methodology 1.0.0).
-- A new indicator gets a new column here; existing columns are never renamed or removed
-- (tests/unit/test_bi_indicator_columns.py checks one column per catalogue indicator).
with

facts as (

    select
        fct.month,
        fct.unit_key,
        fct.indicator_id,
        fct.score,
        fct.publication_id
    from dti_mart.fct_indicator_monthly as fct
    where fct.unit_level = 'province'

),

units as (

    select
        dim.unit_key,
        dim.unit_code,
        dim.province_name
    from dti_mart.dim_admin_unit as dim

),

wide as (

    select
        facts.month,
        facts.unit_key,
        max(facts.publication_id) as publication_id,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_docs_electronic_share'
        ) as gov_docs_electronic_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_docs_signed_share'
        ) as gov_docs_signed_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_docs_on_time_share'
        ) as gov_docs_on_time_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_officials_active_share'
        ) as gov_officials_active_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_officials_signing_share'
        ) as gov_officials_signing_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_procedures_full_online_share'
        ) as gov_procedures_full_online_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_applications_online_share'
        ) as gov_applications_online_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_applications_on_time_share'
        ) as gov_applications_on_time_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_fees_paid_online_share'
        ) as gov_fees_paid_online_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_results_digitised_share'
        ) as gov_results_digitised_share,
        max(facts.score) filter (
            where facts.indicator_id = 'gov_satisfaction_share'
        ) as gov_satisfaction_share,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_shops_per_1000_households'
        ) as econ_shops_per_1000_households,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_products_per_shop'
        ) as econ_products_per_shop,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_active_shops_share'
        ) as econ_active_shops_share,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_orders_per_1000_people'
        ) as econ_orders_per_1000_people,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_sales_per_capita_vnd'
        ) as econ_sales_per_capita_vnd,
        max(facts.score) filter (
            where facts.indicator_id = 'econ_payment_accounts_share'
        ) as econ_payment_accounts_share,
        max(facts.score) filter (
            where facts.indicator_id = 'soc_buyer_accounts_share'
        ) as soc_buyer_accounts_share,
        max(facts.score) filter (
            where facts.indicator_id = 'soc_cells_on_platform_share'
        ) as soc_cells_on_platform_share,
        max(facts.score) filter (
            where facts.indicator_id = 'soc_members_with_account_share'
        ) as soc_members_with_account_share,
        max(facts.score) filter (
            where facts.indicator_id = 'soc_members_active_share'
        ) as soc_members_active_share
    from facts
    group by facts.month, facts.unit_key

),

labelled as (

    select
        to_char(wide.month, 'YYYY-MM') as month_label,
        units.unit_code,
        units.province_name,
        wide.*
    from wide
    left join units
        on wide.unit_key = units.unit_key

)

select * from labelled
