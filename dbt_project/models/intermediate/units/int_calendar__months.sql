{#- The months being built: the one given in var('month'), or every local month that a
    current load of any source ends in. A load's month is the month its window ends in: a
    stock's first window starts in 1970 (everything created before the source's first month)
    and counts for that first month only. -#}
with

{% if build_month() %}
    months as (

        select {{ build_month() }} as month

    )
{% else %}
    loads as (

        select * from {{ source('pipeline', 'load_ledger') }}
        where status = 'current'

    ),

    bounds as (

        select
            min({{ local_month('interval_end - interval \'1 second\'') }}) as first_month,
            max({{ local_month('interval_end - interval \'1 second\'') }}) as last_month
        from loads

    ),

    months as (

        select generate_series(first_month, last_month, interval '1 month')::date as month
        from bounds
        where first_month is not null

    )
{% endif %}

select
    month,
    {{ month_end('month') }} as month_end_at
from months
