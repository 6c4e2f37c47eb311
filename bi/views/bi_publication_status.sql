-- Tình trạng công bố của mỗi tháng: phiên bản, thời điểm, phương pháp và độ phủ dữ liệu.
-- Every publication of every month: version, time, methodology and data coverage.
with

publications as (

    select
        pub.publication_id,
        pub.month,
        pub.status,
        pub.published_at,
        pub.run_id,
        pub.methodology_version,
        pub.content_hash
    from dti_mart.publication as pub

),

coverage as (

    select
        versions.publication_id,
        count(*) filter (where versions.unit_level = 'province') as provinces,
        count(versions.dti_score) filter (where versions.unit_level = 'province') as provinces_scored,
        count(*) filter (where versions.unit_level = 'commune') as communes,
        count(versions.dti_score) filter (where versions.unit_level = 'commune') as communes_scored,
        avg(versions.completeness) filter (where versions.unit_level = 'province')
            as mean_province_completeness
    from dti_mart.fct_dti_monthly_versions as versions
    group by versions.publication_id

),

labelled as (

    select
        publications.publication_id,
        publications.month,
        to_char(publications.month, 'YYYY-MM') as month_label,
        publications.status,
        case publications.status
            when 'current' then 'Hiện hành / Current'
            when 'superseded' then 'Đã thay thế / Superseded'
            else publications.status
        end as status_label,
        publications.published_at,
        to_char(publications.published_at, 'YYYY-MM-DD HH24:MI:SS TZ') as published_at_label,
        publications.run_id,
        publications.methodology_version,
        left(publications.content_hash, 12) as content_hash_short,
        coverage.provinces,
        coverage.provinces_scored,
        coverage.communes,
        coverage.communes_scored,
        coverage.mean_province_completeness
    from publications
    left join coverage
        on publications.publication_id = coverage.publication_id

)

select * from labelled
