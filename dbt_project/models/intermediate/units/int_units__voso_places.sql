{#- Voso names places as sellers type them: with or without diacritics and type words,
    and often by the legacy names after the 2025 merger. Each distinct (province, commune)
    pair is matched to a post-merger commune by the first rule that finds exactly one:
      1. post-merger province and commune names;
      2. legacy province and commune names, then the legacy commune's default successor;
      3. a post-merger province with a legacy commune name inside it.
    A pair no rule resolves keeps its reason (unknown province, no such commune, several
    candidates) and is never dropped silently: see int_voso__unmatched_records. -#}
with

shops as (

    select * from {{ ref('stg_voso__shops') }}

),

users as (

    select * from {{ ref('stg_voso__users') }}

),

current_units as (

    select * from {{ ref('ref_admin_units') }}

),

legacy_units as (

    select * from {{ ref('ref_admin_units_legacy') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}
    where source_generation = 'legacy'

),

places as (

    select
        province_name_as_given,
        commune_name_as_given
    from shops
    union
    select
        province_name_as_given,
        commune_name_as_given
    from users

),

normalised_places as (

    select
        -- a surrogate key: names may be null, and joins on them would not be hashable
        row_number() over (order by province_name_as_given, commune_name_as_given) as place_id,
        province_name_as_given,
        commune_name_as_given,
        {{ normalise_vn_name('province_name_as_given', strip_type_word=true) }} as province_key,
        {{ normalise_vn_name('commune_name_as_given') }} as commune_key_as_typed,
        {{ normalise_vn_name('commune_name_as_given', strip_type_word=true) }} as commune_key_stripped
    from places

),

-- a place is tried with both commune keys: one row per key, so that every rule below is
-- an equality join (hashable) rather than a scan of all communes per place
place_keys as (

    select
        place_id,
        province_key,
        commune_key_as_typed as commune_key
    from normalised_places
    union
    select
        place_id,
        province_key,
        commune_key_stripped as commune_key
    from normalised_places

),

current_communes as (

    select
        commune_code,
        province_code,
        {{ normalise_vn_name('province_short_name') }} as province_key,
        {{ normalise_vn_name('commune_short_name') }} as commune_key
    from current_units

),

current_provinces as (

    select distinct
        province_code,
        province_key
    from current_communes

),

legacy_communes as (

    select
        crosswalk.commune_code,
        crosswalk.province_code,
        {{ normalise_vn_name('legacy_units.province_short_name') }} as legacy_province_key,
        {{ normalise_vn_name('legacy_units.commune_short_name') }} as commune_key
    from legacy_units
    inner join crosswalk
        on legacy_units.commune_code = crosswalk.source_commune_code

),

province_keys as (

    select province_key from current_provinces
    union
    select legacy_province_key from legacy_communes

),

candidates as (

    select
        places.place_id,
        current_communes.commune_code,
        1 as rule_order,
        'post_merger_names' as match_rule
    from place_keys as places
    inner join current_communes
        on
            places.province_key = current_communes.province_key
            and places.commune_key = current_communes.commune_key

    union all

    select
        places.place_id,
        legacy_communes.commune_code,
        2 as rule_order,
        'legacy_names' as match_rule
    from place_keys as places
    inner join legacy_communes
        on
            places.province_key = legacy_communes.legacy_province_key
            and places.commune_key = legacy_communes.commune_key

    union all

    select
        places.place_id,
        legacy_communes.commune_code,
        3 as rule_order,
        'legacy_commune_in_post_merger_province' as match_rule
    from place_keys as places
    inner join current_provinces as provinces
        on places.province_key = provinces.province_key
    inner join legacy_communes
        on
            provinces.province_code = legacy_communes.province_code
            and places.commune_key = legacy_communes.commune_key

),

per_rule as (

    select
        place_id,
        rule_order,
        match_rule,
        count(distinct commune_code) as commune_codes,
        min(commune_code) as commune_code
    from candidates
    group by place_id, rule_order, match_rule

),

best_rule as (

    select distinct on (place_id) *
    from per_rule
    order by place_id, rule_order

),

resolved as (

    select
        places.province_name_as_given,
        places.commune_name_as_given,
        case when best_rule.commune_codes = 1 then best_rule.commune_code end as commune_code,
        best_rule.match_rule,
        case
            when places.province_key not in (select province_keys.province_key from province_keys)
                then 'unknown province'
            when best_rule.match_rule is null then 'no commune of that name in the province'
            when best_rule.commune_codes > 1
                then 'ambiguous: ' || best_rule.commune_codes || ' communes have that name'
        end as unmatched_reason
    from normalised_places as places
    left join best_rule
        on places.place_id = best_rule.place_id

)

select * from resolved
