{#- Households with an account on either platform, once each: both platforms key
    households by the national household code. The earliest opening of each kind of
    account counts; the commune is Postmart's where it knows it, else Voso's. -#}
with

postmart as (

    select * from {{ ref('stg_postmart__households') }}

),

voso as (

    select * from {{ ref('stg_voso__users') }}

),

crosswalk as (

    select * from {{ ref('int_admin_units__crosswalk_2025') }}

),

places as (

    select * from {{ ref('int_units__voso_places') }}

),

accounts as (

    select
        postmart.household_id,
        1 as source_preference,
        crosswalk.commune_code,
        case when postmart.has_buyer_account then postmart.buyer_since end as buyer_since,
        case when postmart.has_payment_account then postmart.payment_since end as payment_since
    from postmart
    left join crosswalk
        on
            postmart.unit_generation = crosswalk.source_generation
            and postmart.commune_code_as_given = crosswalk.source_commune_code

    union all

    select
        voso.household_id,
        2 as source_preference,
        places.commune_code,
        case when voso.has_buyer_account then voso.buyer_since end as buyer_since,
        case when voso.has_payment_account then voso.payment_since end as payment_since
    from voso
    left join places
        on {{ same_voso_place('voso', 'places') }}

),

households as (

    select
        household_id,
        (array_agg(commune_code order by source_preference) filter (where commune_code is not null))[1]
            as commune_code,
        min(buyer_since) as buyer_since,
        min(payment_since) as payment_since
    from accounts
    group by household_id

)

select * from households
