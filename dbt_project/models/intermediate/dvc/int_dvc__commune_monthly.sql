{#- Public-service facts per post-merger commune and month: applications received (online,
    with a fee, paid online), applications with a result (on time, digitised), ratings. -#}
with

applications as (

    select * from {{ ref('stg_dvc__applications') }}
    -- the month's own rows, by the staging indexes (the join to months alone scans history)
    where {{ in_build_month('received_month') }} or {{ in_build_month('result_month') }}

),

ratings as (

    select * from {{ ref('stg_dvc__ratings') }}
    where {{ in_build_month('rated_month') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

months as (

    select * from {{ ref('int_calendar__months') }}

),

located_applications as (

    select
        applications.*,
        crosswalk.commune_code
    from applications
    inner join crosswalk
        on
            applications.receiving_unit_generation = crosswalk.source_generation
            and applications.receiving_commune_code = crosswalk.source_commune_code

),

located_ratings as (

    select
        ratings.*,
        crosswalk.commune_code
    from ratings
    inner join crosswalk
        on
            ratings.unit_generation = crosswalk.source_generation
            and ratings.commune_code_as_given = crosswalk.source_commune_code

),

received as (

    select
        months.month,
        located_applications.commune_code,
        count(*) as applications_received,
        count(*) filter (where located_applications.filing_channel = 'online') as applications_online,
        count(*) filter (where located_applications.fee_vnd > 0) as applications_with_fee,
        count(*) filter (
            where located_applications.fee_vnd > 0 and located_applications.is_paid_online
        ) as applications_paid_online
    from located_applications
    inner join months
        on located_applications.received_month = months.month
    group by months.month, located_applications.commune_code

),

settled as (

    select
        months.month,
        located_applications.commune_code,
        count(*) as applications_settled,
        count(*) filter (
            where located_applications.result_at <= located_applications.due_at
        ) as applications_settled_on_time,
        count(*) filter (where located_applications.is_result_digitised) as applications_results_digitised
    from located_applications
    inner join months
        on located_applications.result_month = months.month
    group by months.month, located_applications.commune_code

),

rated as (

    select
        months.month,
        located_ratings.commune_code,
        count(*) as ratings,
        count(*) filter (where located_ratings.satisfaction_score >= 4) as ratings_satisfied
    from located_ratings
    inner join months
        on located_ratings.rated_month = months.month
    group by months.month, located_ratings.commune_code

),

unit_months as (

    {{ unit_months_of(['received', 'settled', 'rated']) }}

),

joined as (

    select
        unit_months.month,
        unit_months.commune_code,
        coalesce(received.applications_received, 0) as applications_received,
        coalesce(received.applications_online, 0) as applications_online,
        coalesce(received.applications_with_fee, 0) as applications_with_fee,
        coalesce(received.applications_paid_online, 0) as applications_paid_online,
        coalesce(settled.applications_settled, 0) as applications_settled,
        coalesce(settled.applications_settled_on_time, 0) as applications_settled_on_time,
        coalesce(settled.applications_results_digitised, 0) as applications_results_digitised,
        coalesce(rated.ratings, 0) as ratings,
        coalesce(rated.ratings_satisfied, 0) as ratings_satisfied
    {{ left_join_on_unit_month('unit_months', ['received', 'settled', 'rated']) }}

)

select * from joined
