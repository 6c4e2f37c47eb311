{#- Voso records whose place names match no post-merger commune, with the reason. They are
    counted (see the model's tests and the monthly report), never silently dropped. -#}
with

shops as (

    select * from {{ ref('stg_voso__shops') }}

),

users as (

    select * from {{ ref('stg_voso__users') }}

),

places as (

    select * from {{ ref('int_units__voso_places') }}
    where commune_code is null

),

records as (

    select
        'shops' as entity,
        shop_id as record_id,
        province_name_as_given,
        commune_name_as_given
    from shops

    union all

    select
        'users' as entity,
        user_id as record_id,
        province_name_as_given,
        commune_name_as_given
    from users

),

unmatched as (

    select
        records.*,
        places.unmatched_reason
    from records
    inner join places
        on {{ same_voso_place('records', 'places') }}

)

select * from unmatched
