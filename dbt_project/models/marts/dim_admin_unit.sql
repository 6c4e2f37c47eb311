{#- Every administrative unit the index speaks of: the post-merger provinces and communes
    (the units of every fact) and the legacy provinces, districts and communes that source
    records carried before 1 July 2025, with their default successor. -#}
with

current_units as (

    select * from {{ ref('ref_admin_units') }}

),

legacy_units as (

    select * from {{ ref('ref_admin_units_legacy') }}

),

successors as (

    select * from {{ ref('ref_admin_unit_conversion_2025') }}
    where is_default_successor

),

provinces as (

    select distinct
        'province:' || province_code as unit_key,
        'province' as unit_level,
        province_code as unit_code,
        province_name as unit_name,
        province_short_name as unit_short_name,
        split_part(province_name, ' ', 1)
        || case when province_name like 'Thành phố %' then ' phố' else '' end as unit_type,
        province_code,
        province_name,
        true as is_current,
        province_latitude as latitude,
        province_longitude as longitude,
        null::text as successor_commune_code
    from current_units

),

communes as (

    select
        'commune:' || commune_code as unit_key,
        'commune' as unit_level,
        commune_code as unit_code,
        commune_name as unit_name,
        commune_short_name as unit_short_name,
        commune_type as unit_type,
        province_code,
        province_name,
        true as is_current,
        commune_latitude as latitude,
        commune_longitude as longitude,
        null::text as successor_commune_code
    from current_units

),

legacy_provinces as (

    select distinct
        'legacy_province:' || province_code as unit_key,
        'province' as unit_level,
        province_code as unit_code,
        province_name as unit_name,
        province_short_name as unit_short_name,
        split_part(province_name, ' ', 1)
        || case when province_name like 'Thành phố %' then ' phố' else '' end as unit_type,
        province_code,
        province_name,
        false as is_current,
        null::double precision as latitude,
        null::double precision as longitude,
        null::text as successor_commune_code
    from legacy_units

),

legacy_districts as (

    select distinct
        'legacy_district:' || district_code as unit_key,
        'district' as unit_level,
        district_code as unit_code,
        district_name as unit_name,
        district_name as unit_short_name,
        district_type as unit_type,
        province_code,
        province_name,
        false as is_current,
        null::double precision as latitude,
        null::double precision as longitude,
        null::text as successor_commune_code
    from legacy_units

),

legacy_communes as (

    select
        'legacy_commune:' || legacy_units.commune_code as unit_key,
        'commune' as unit_level,
        legacy_units.commune_code as unit_code,
        legacy_units.commune_name as unit_name,
        legacy_units.commune_short_name as unit_short_name,
        legacy_units.commune_type as unit_type,
        legacy_units.province_code,
        legacy_units.province_name,
        false as is_current,
        legacy_units.commune_latitude as latitude,
        legacy_units.commune_longitude as longitude,
        successors.commune_code as successor_commune_code
    from legacy_units
    left join successors
        on legacy_units.commune_code = successors.legacy_commune_code

),

unioned as (

    select * from provinces
    union all
    select * from communes
    union all
    select * from legacy_provinces
    union all
    select * from legacy_districts
    union all
    select * from legacy_communes

)

select
    *,
    -- the merger's local day (var merger_at): the post-merger units from it, the legacy ones to
    -- the day before
    case when is_current then {{ merger_day() }} end as valid_from,
    case when not is_current then ({{ merger_day() }} - 1) end as valid_to
from unioned
