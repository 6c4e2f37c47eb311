{{
    config(
        unique_key='application_id',
        indexes=[
            {'columns': ['application_id'], 'unique': true},
            {'columns': ['received_month']},
            {'columns': ['result_month']},
            {'columns': ['load_id']},
        ],
    )
}}

with

source as (

    select * from {{ source('dvc', 'applications') }}
    {{- only_new_loads() }}

),

renamed as (

    select
        -- ids
        payload ->> 'MaHoSo' as application_id,
        payload ->> 'MaTTHC' as procedure_id,
        payload ->> 'MaDonVi' as receiving_commune_code,

        -- categories
        case payload ->> 'KenhNop'
            when '1' then 'online'
            when '2' then 'counter'
            when '3' then 'post'
        end as filing_channel,
        payload ->> 'TrangThai' as status,

        -- numerics
        (payload ->> 'LePhi')::numeric as fee_vnd,

        -- booleans
        coalesce((payload ->> 'ThanhToanTrucTuyen')::boolean, false) as is_paid_online,
        coalesce((payload ->> 'KetQuaDienTu')::boolean, false) as is_result_digitised,

        -- timestamps
        {{ parse_vn_datetime("payload ->> 'NgayTiepNhan'") }} as received_at,
        {{ parse_vn_datetime("payload ->> 'HanXuLy'") }} as due_at,
        {{ parse_vn_datetime("payload ->> 'NgayCoKetQua'") }} as result_at,
        {{ parse_vn_datetime("payload ->> 'NgayCapNhat'") }} as updated_at,

        -- lineage
        load_id,
        extracted_at

    from source

),

latest as (

    {{ latest_version('renamed', 'application_id') }}

),

resolved as (

    select
        *,
        {{ unit_code_generation('received_at') }} as receiving_unit_generation,
        {{ local_month('received_at') }} as received_month,
        {{ local_month('result_at') }} as result_month
    from latest

)

select * from resolved
