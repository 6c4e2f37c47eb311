{#- Postmart's and Voso's shops conformed into one shape, on post-merger communes:
    Postmart names the commune by code, Voso by the names sellers typed. -#}
with

postmart as (

    select * from {{ ref('stg_postmart__shops') }}

),

voso as (

    select * from {{ ref('stg_voso__shops') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

places as (

    select * from {{ ref('int_units__voso_places') }}

),

postmart_shops as (

    select
        'postmart' as platform,
        'postmart:' || postmart.shop_id as shop_key,
        postmart.shop_id,
        postmart.household_id,
        crosswalk.commune_code,
        postmart.created_at,
        postmart.suspended_at
    from postmart
    left join crosswalk
        on
            postmart.unit_generation = crosswalk.source_generation
            and postmart.commune_code_as_given = crosswalk.source_commune_code

),

voso_shops as (

    select
        'voso' as platform,
        'voso:' || voso.shop_id as shop_key,
        voso.shop_id,
        voso.household_id,
        places.commune_code,
        voso.created_at,
        voso.suspended_at
    from voso
    left join places
        on {{ same_voso_place('voso', 'places') }}

),

unioned as (

    select * from postmart_shops
    union all
    select * from voso_shops

)

select * from unioned
