{{
    config(
        unique_key='rating_id',
        indexes=[
            {'columns': ['rating_id'], 'unique': true},
            {'columns': ['rated_month']},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('dvc', 'ratings') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'MaDanhGia' as rating_id,
        payload ->> 'MaHoSo' as application_id,
        payload ->> 'MaDonVi' as commune_code_as_given,

        -- numerics
        (payload ->> 'DiemHaiLong')::integer as satisfaction_score,

        -- timestamps
        {{ parse_vn_datetime("payload ->> 'NgayDanhGia'") }} as rated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'rating_id', changed_at='rated_at') }}

),

resolved as (

    select
        *,
        {{ unit_code_generation('rated_at') }} as unit_generation,
        {{ local_month('rated_at') }} as rated_month
    from latest

)

select * from resolved
