"""Publication keeps its promises: versions, provenance, no-op republishing, generic facts."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from synthetic_mart import build_month, expected_rows

from dti_pipeline.publish.publication import content_hash, publish_month, published_hash

MONTH = date(2025, 8, 1)


@pytest.fixture
def built(warehouse):
    with psycopg.connect(warehouse) as conn:
        build_month(conn, MONTH, seed=1)
    return warehouse


def test_a_publication_records_its_time_run_methodology_and_checks(built):
    with psycopg.connect(built) as conn:
        pub = publish_month(conn, MONTH, run_id="manual__1", checks={"quality": {"warnings": ["w"]}})
        row = conn.execute(
            """select status, run_id, methodology_version, content_hash, published_at, checks, row_counts
                 from dti_mart.publication where publication_id = %s""",
            (pub.publication_id,),
        ).fetchone()
        counts = expected_rows(conn, MONTH)
    assert row[:4] == ("current", "manual__1", "test-1", pub.content_hash)
    assert row[4] == pub.published_at
    assert row[5] == {"quality": {"warnings": ["w"]}}
    assert row[6] == counts and counts["fct_dti_monthly"] == 34 + 3321


def test_republishing_the_same_content_is_a_no_op(built):
    with psycopg.connect(built) as conn:
        first = publish_month(conn, MONTH, run_id="a")
        again = publish_month(conn, MONTH, run_id="b")
        publications = conn.execute("select count(*) from dti_mart.publication").fetchone()[0]
    assert again.unchanged and again.publication_id == first.publication_id
    assert publications == 1


def test_a_republished_month_keeps_the_earlier_version_retrievable(built):
    with psycopg.connect(built) as conn:
        first = publish_month(conn, MONTH, run_id="first")
        before = conn.execute(
            "select unit_key, dti_score from dti_mart.fct_dti_monthly where month = %s order by 1", (MONTH,)
        ).fetchall()
        build_month(conn, MONTH, seed=2)  # new source data: a different month
        second = publish_month(conn, MONTH, run_id="second")
        now = conn.execute(
            "select unit_key, dti_score from dti_mart.fct_dti_monthly where month = %s order by 1", (MONTH,)
        ).fetchall()
        old = conn.execute(
            """select unit_key, dti_score from dti_mart.fct_dti_monthly_versions
                where publication_id = %s order by 1""",
            (first.publication_id,),
        ).fetchall()
        statuses = dict(conn.execute("select publication_id, status from dti_mart.publication").fetchall())
        old_hash = published_hash(conn, first.publication_id)
        new_hash = content_hash(conn, MONTH)[0]
    assert second.publication_id != first.publication_id and second.superseded == [first.publication_id]
    assert now != before and old == before
    assert statuses == {first.publication_id: "superseded", second.publication_id: "current"}
    assert old_hash == first.content_hash and new_hash == second.content_hash


def test_the_report_of_a_revised_month_says_from_which_version(built):
    from dti_pipeline.report.monthly import build_report_html

    with psycopg.connect(built) as conn:
        first = publish_month(conn, MONTH, run_id="first")
        assert "Revised" not in build_report_html(conn, MONTH)
        build_month(conn, MONTH, seed=2)  # the month's data changed after it was published
        publish_month(conn, MONTH, run_id="second")
        html = build_report_html(conn, MONTH)
    assert f"this publication replaces #{first.publication_id} of" in html
    assert first.content_hash in html and '"revised_from": ' + str(first.publication_id) in html


def test_the_mart_carries_dbt_comments_for_bi_tools(built):
    with psycopg.connect(built) as conn:
        publish_month(conn, MONTH)
        table = conn.execute("select obj_description('dti_mart.fct_dti_monthly'::regclass)").fetchone()[0]
        column = conn.execute(
            """select col_description('dti_mart.fct_dti_monthly'::regclass, attnum) from pg_attribute
                where attrelid = 'dti_mart.fct_dti_monthly'::regclass and attname = 'dti_score'"""
        ).fetchone()[0]
    assert table.startswith("One row per unit and month") and column == "The DTI score, 0 to 1."


def test_a_new_fact_of_the_build_is_published_without_code_changes(built):
    with psycopg.connect(built) as conn:
        conn.execute(
            """create table dti_build.fct_dti_rank_uncertainty as
               select month, unit_key, dti_rank as rank_p05, dti_rank as rank_p95
                 from dti_build.fct_dti_monthly where unit_level = 'province'"""
        )
        conn.commit()
        pub = publish_month(conn, MONTH)
        rows = conn.execute(
            "select count(*) from dti_mart.fct_dti_rank_uncertainty where month = %s", (MONTH,)
        ).fetchone()[0]
    assert rows == 34 and pub.row_counts["fct_dti_rank_uncertainty"] == 34


def test_the_report_shows_the_month_audit_when_the_mart_has_it(built):
    from dti_pipeline.report.monthly import build_report_html

    with psycopg.connect(built) as conn:
        publish_month(conn, MONTH)
        assert 'id="audit"' not in build_report_html(conn, MONTH)
        conn.execute(
            """create table dti_build.fct_index_audit (
                   month date, unit_level text, audit_kind text, subject_id text,
                   paired_indicator_id text, pillar_id text, nominal_weight numeric(9, 6),
                   effective_importance numeric(9, 6), importance_share numeric(9, 6),
                   pair_correlation numeric(9, 6), is_constant boolean, is_double_counted boolean)"""
        )
        conn.execute(
            """insert into dti_build.fct_index_audit values
                   (%(m)s, 'province', 'pillar', 'digital_government', null, 'digital_government',
                    0.4, 0.81, 0.6, null, false, false),
                   (%(m)s, 'province', 'pillar', 'digital_economy', null, 'digital_economy',
                    0.3, 0.27, 0.2, null, false, false),
                   (%(m)s, 'province', 'indicator', 'soc_members_active_share', null,
                    'digital_society', null, null, null, null, true, false),
                   (%(m)s, 'commune', 'indicator_pair', 'econ_active_shops_share',
                    'gov_docs_electronic_share', null, null, null, null, 0.95, false, true)""",
            {"m": MONTH},
        )
        conn.commit()
        publish_month(conn, MONTH)
        html = build_report_html(conn, MONTH)
    audit = html[html.index('<section id="audit">') :]
    audit = audit[: audit.index("</section>")]
    assert "<td>Chính quyền số / Digital government</td><td>40%</td><td>60%</td><td>0.810</td>" in audit
    assert "<li>Members active: " in audit
    assert "<li>Active shops ↔ Electronic documents: tương quan / correlation 0.950" in audit
    assert audit.index("Tỉnh / Provinces") < audit.index("Xã / Communes")
