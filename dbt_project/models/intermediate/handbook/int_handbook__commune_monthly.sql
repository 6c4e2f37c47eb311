{#- The party-member handbook per post-merger commune and month, from that month's export
    (a snapshot as of its end): cells and members, those on the platform, members active. -#}
with

cells as (

    select * from {{ ref('stg_handbook__cells') }}
    -- the month's own export, by the staging indexes (the join to months alone scans history)
    where {{ in_build_month('export_month') }}

),

members as (

    select * from {{ ref('stg_handbook__members') }}
    where {{ in_build_month('export_month') }}

),

activity as (

    select * from {{ ref('stg_handbook__activity') }}
    where {{ in_build_month('export_month') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

months as (

    select * from {{ ref('int_calendar__months') }}

),

located_cells as (

    select
        cells.export_month,
        cells.cell_id,
        cells.joined_platform_on,
        crosswalk.commune_code
    from cells
    inner join months
        on cells.export_month = months.month
    inner join crosswalk
        on
            cells.unit_generation = crosswalk.source_generation
            and cells.commune_code_as_given = crosswalk.source_commune_code

),

located_members as (

    select
        members.export_month,
        members.member_id,
        members.account_activated_on,
        located_cells.commune_code,
        coalesce(activity.logins, 0) >= 1 as was_active
    from members
    inner join located_cells
        on members.export_month = located_cells.export_month and members.cell_id = located_cells.cell_id
    left join activity
        on
            members.export_month = activity.export_month
            and members.member_id = activity.member_id
            and members.export_month = activity.activity_month

),

cell_figures as (

    select
        export_month as month,
        commune_code,
        count(*) as cells,
        count(*) filter (where joined_platform_on is not null) as cells_on_platform
    from located_cells
    group by export_month, commune_code

),

member_figures as (

    select
        export_month as month,
        commune_code,
        count(*) as members,
        count(*) filter (where account_activated_on is not null) as members_with_account,
        count(*) filter (where was_active) as members_active
    from located_members
    group by export_month, commune_code

),

joined as (

    select
        cell_figures.month,
        cell_figures.commune_code,
        cell_figures.cells,
        cell_figures.cells_on_platform,
        coalesce(member_figures.members, 0) as members,
        coalesce(member_figures.members_with_account, 0) as members_with_account,
        coalesce(member_figures.members_active, 0) as members_active
    {{ left_join_on_unit_month('cell_figures', ['member_figures']) }}

)

select * from joined
