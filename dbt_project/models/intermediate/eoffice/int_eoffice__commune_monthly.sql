{#- E-office facts per post-merger commune and month: documents created, sent
    electronically, outgoing and signed, due and handled on time, the officials who
    handled them, and the accounts that existed (with a signing certificate) at the end
    of the month. -#}
with

documents as (

    select * from {{ ref('stg_eoffice__documents') }}
    -- the month's own rows, by the staging indexes (the join to months alone scans history)
    where {{ in_build_month('created_month') }} or {{ in_build_month('due_month') }}

),

accounts as (

    select * from {{ ref('stg_eoffice__accounts') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

months as (

    select * from {{ ref('int_calendar__months') }}

),

located as (

    select
        documents.*,
        crosswalk.commune_code
    from documents
    inner join crosswalk
        on
            documents.org_unit_generation = crosswalk.source_generation
            and documents.org_commune_code = crosswalk.source_commune_code

),

created as (

    select
        months.month,
        located.commune_code,
        count(*) as documents,
        count(*) filter (where located.is_electronic) as documents_electronic,
        count(*) filter (where located.direction = 'out') as documents_outgoing,
        count(*) filter (
            where located.direction = 'out' and located.is_electronic and located.is_digitally_signed
        ) as documents_outgoing_signed,
        count(distinct located.handler_account_id) as officials_active
    from located
    inner join months
        on located.created_month = months.month
    group by months.month, located.commune_code

),

due as (

    select
        months.month,
        located.commune_code,
        count(*) as documents_due,
        count(*) filter (where located.completed_at <= located.due_at) as documents_due_on_time
    from located
    inner join months
        on located.due_month = months.month
    group by months.month, located.commune_code

),

officials as (

    select
        months.month,
        accounts.commune_code,
        count(*) as accounts_existing,
        count(*) filter (
            where accounts.certificate_issued_at < months.month_end_at
        ) as accounts_with_certificate
    from accounts
    inner join months
        on
            accounts.created_at < months.month_end_at
            and (accounts.deactivated_at is null or accounts.deactivated_at >= months.month_end_at)
    group by months.month, accounts.commune_code

),

unit_months as (

    {{ unit_months_of(['created', 'due', 'officials']) }}

),

joined as (

    select
        unit_months.month,
        unit_months.commune_code,
        coalesce(created.documents, 0) as documents,
        coalesce(created.documents_electronic, 0) as documents_electronic,
        coalesce(created.documents_outgoing, 0) as documents_outgoing,
        coalesce(created.documents_outgoing_signed, 0) as documents_outgoing_signed,
        coalesce(due.documents_due, 0) as documents_due,
        coalesce(due.documents_due_on_time, 0) as documents_due_on_time,
        coalesce(created.officials_active, 0) as officials_active,
        officials.accounts_existing,
        officials.accounts_with_certificate
    {{ left_join_on_unit_month('unit_months', ['created', 'due', 'officials']) }}

)

select * from joined
