{#- Every commune-level indicator's numerator and denominator per commune and month, in
    long form (one row per month, commune and indicator), exactly as docs/methodology.md
    and docs/source-contracts.md define them. A commune a source knows nothing about has
    no row: its value is missing, never zero. -#}
with

eoffice as (

    select * from {{ ref('int_eoffice__commune_monthly') }}

),

dvc as (

    select * from {{ ref('int_dvc__commune_monthly') }}

),

ecommerce as (

    select * from {{ ref('int_ecommerce__commune_monthly') }}

),

handbook as (

    select * from {{ ref('int_handbook__commune_monthly') }}

),

population as (

    select * from {{ ref('ref_commune_population') }}

),

ecommerce_with_population as (

    select
        ecommerce.*,
        population.population,
        population.households
    from ecommerce
    left join population
        on ecommerce.commune_code = population.commune_code

),

inputs as (

    {%- set eoffice_inputs = [
        ('gov_docs_electronic_share', 'documents_electronic', 'documents'),
        ('gov_docs_signed_share', 'documents_outgoing_signed', 'documents_outgoing'),
        ('gov_docs_on_time_share', 'documents_due_on_time', 'documents_due'),
        ('gov_officials_active_share', 'officials_active', 'accounts_existing'),
        ('gov_officials_signing_share', 'accounts_with_certificate', 'accounts_existing'),
    ] %}
    {%- set dvc_inputs = [
        ('gov_applications_online_share', 'applications_online', 'applications_received'),
        ('gov_applications_on_time_share', 'applications_settled_on_time', 'applications_settled'),
        ('gov_fees_paid_online_share', 'applications_paid_online', 'applications_with_fee'),
        ('gov_results_digitised_share', 'applications_results_digitised', 'applications_settled'),
        ('gov_satisfaction_share', 'ratings_satisfied', 'ratings'),
    ] %}
    {%- set ecommerce_inputs = [
        ('econ_shops_per_1000_households', 'shops_active * 1000', 'households'),
        ('econ_products_per_shop', 'products_listed', 'shops_active'),
        ('econ_active_shops_share', 'shops_active_with_order', 'shops_active'),
        ('econ_orders_per_1000_people', 'orders_completed * 1000', 'population'),
        ('econ_sales_per_capita_vnd', 'sales_completed_vnd', 'population'),
        ('econ_payment_accounts_share', 'households_payment', 'households'),
        ('soc_buyer_accounts_share', 'households_buyer', 'households'),
    ] %}
    {%- set handbook_inputs = [
        ('soc_cells_on_platform_share', 'cells_on_platform', 'cells'),
        ('soc_members_with_account_share', 'members_with_account', 'members'),
        ('soc_members_active_share', 'members_active', 'members'),
    ] %}
    {%- set domains = [
        ('eoffice', eoffice_inputs),
        ('dvc', dvc_inputs),
        ('ecommerce_with_population', ecommerce_inputs),
        ('handbook', handbook_inputs),
    ] %}
    {%- for relation, indicators in domains %}
        {%- for indicator_id, numerator, denominator in indicators %}
            select
                month,
                commune_code,
                '{{ indicator_id }}' as indicator_id,
                ({{ numerator }})::numeric as numerator,
                ({{ denominator }})::numeric as denominator
            from {{ relation }}
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

)

select * from inputs
