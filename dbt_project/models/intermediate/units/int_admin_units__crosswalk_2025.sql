{#- Maps every unit code a source record may carry (legacy or post-merger) to the
    post-merger commune whose history it belongs to, so that a commune's series runs
    continuously across 1 July 2025. Rule for splits: a legacy commune divided among
    several new communes goes whole to the successor the official conversion marks as
    default (no source says which part of the old commune a record came from). -#}
with

conversion as (

    select * from {{ ref('ref_admin_unit_conversion_2025') }}

),

current_units as (

    select * from {{ ref('ref_admin_units') }}

),

legacy_to_current as (

    select
        'legacy' as source_generation,
        legacy_commune_code as source_commune_code,
        commune_code,
        case when successor_count > 1 then 'split_to_default' else 'merged' end as mapping_rule
    from conversion
    where is_default_successor

),

current_to_current as (

    select
        'current' as source_generation,
        commune_code as source_commune_code,
        commune_code,
        'identity' as mapping_rule
    from current_units

),

crosswalk as (

    select * from legacy_to_current
    union all
    select * from current_to_current

),

with_province as (

    select
        crosswalk.*,
        current_units.province_code
    from crosswalk
    inner join current_units
        on crosswalk.commune_code = current_units.commune_code

)

select * from with_province
