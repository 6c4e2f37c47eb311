{#- E-commerce facts of both platforms per post-merger commune and month: shops active
    and products listed at the month's end, shops that completed an order in the month,
    orders and sales completed in it, and households with buyer and payment accounts by
    its end. A shop's products and orders belong to the shop's commune. -#}
with

shops as (

    select * from {{ ref('int_ecommerce__shops') }}
    where commune_code is not null

),

products as (

    select * from {{ ref('int_ecommerce__products') }}

),

orders as (

    select * from {{ ref('int_ecommerce__orders') }}

),

households as (

    select * from {{ ref('int_ecommerce__households') }}
    where commune_code is not null

),

months as (

    select * from {{ ref('int_calendar__months') }}

),

shops_at_month_end as (

    select
        months.month,
        shops.commune_code,
        shops.shop_key
    from shops
    inner join months
        on
            shops.created_at < months.month_end_at
            and (shops.suspended_at is null or shops.suspended_at >= months.month_end_at)

),

completed_orders as (

    select
        months.month,
        shops.commune_code,
        orders.shop_key,
        orders.amount_vnd
    from orders
    inner join months
        on orders.completed_month = months.month
    inner join shops
        on orders.shop_key = shops.shop_key
    where orders.is_completed

),

listed_products as (

    select
        months.month,
        shops.commune_code,
        count(*) as products_listed
    from products
    inner join shops
        on products.shop_key = shops.shop_key
    inner join months
        on
            products.created_at < months.month_end_at
            and (products.delisted_at is null or products.delisted_at >= months.month_end_at)
    group by months.month, shops.commune_code

),

shops_with_order as (

    select distinct
        month,
        shop_key
    from completed_orders

),

shop_figures as (

    select
        shops_at_month_end.month,
        shops_at_month_end.commune_code,
        count(*) as shops_active,
        count(shops_with_order.shop_key) as shops_active_with_order
    from shops_at_month_end
    left join shops_with_order
        on
            shops_at_month_end.month = shops_with_order.month
            and shops_at_month_end.shop_key = shops_with_order.shop_key
    group by shops_at_month_end.month, shops_at_month_end.commune_code

),

order_figures as (

    select
        month,
        commune_code,
        count(*) as orders_completed,
        sum(amount_vnd) as sales_completed_vnd
    from completed_orders
    group by month, commune_code

),

household_figures as (

    select
        months.month,
        households.commune_code,
        count(*) filter (where households.buyer_since < months.month_end_at) as households_buyer,
        count(*) filter (where households.payment_since < months.month_end_at) as households_payment
    from households
    cross join months
    group by months.month, households.commune_code

),

-- every commune the platforms know, every month: zero shops is a value, not a gap
covered as (

    select distinct
        months.month,
        known.commune_code
    from (
        select commune_code from shops
        union
        select commune_code from households
    ) as known
    cross join months

),

joined as (

    select
        covered.month,
        covered.commune_code,
        coalesce(shop_figures.shops_active, 0) as shops_active,
        coalesce(shop_figures.shops_active_with_order, 0) as shops_active_with_order,
        coalesce(listed_products.products_listed, 0) as products_listed,
        coalesce(order_figures.orders_completed, 0) as orders_completed,
        coalesce(order_figures.sales_completed_vnd, 0) as sales_completed_vnd,
        coalesce(household_figures.households_buyer, 0) as households_buyer,
        coalesce(household_figures.households_payment, 0) as households_payment
    {{ left_join_on_unit_month(
        'covered', ['shop_figures', 'listed_products', 'order_figures', 'household_figures']
    ) }}

)

select * from joined
