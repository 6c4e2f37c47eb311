"""The quality gate's count of raw records in a month (the reconciliation's raw side)."""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg.types.json import Jsonb

from dti_pipeline.gates.quality import _raw_count

RULE = {"entity": "voso.orders", "month_of": "ngay_dat"}


def test_latest_versions_of_current_loads_count_in_their_local_month(warehouse):
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            """create schema raw;
               create table raw.load_ledger (load_id bigint, source text, entity text, status text);
               create table raw.voso__orders (load_id bigint, record_key text, extracted_at timestamptz,
                                              payload jsonb);
               insert into raw.load_ledger values (1, 'voso', 'orders', 'current'),
                                                  (2, 'voso', 'orders', 'replaced')"""
        )
        rows = [
            (1, "a", 1790789400000, "paid"),  # 1 Oct 00:30 local
            (1, "b", "1790787599000", "paid"),  # 30 Sep 23:59:59 local
            (1, "c", None, "paid"),  # no time: not counted
            (1, "d", "", "paid"),  # empty: not counted
            (1, "e", 1790789400000, "cancelled"),
            (2, "f", 1790789400000, "paid"),  # a load no longer current
        ]
        for load_id, key, placed, status in rows:
            conn.execute(
                "insert into raw.voso__orders values (%s, %s, now(), %s)",
                (load_id, key, Jsonb({"ngay_dat": placed, "trang_thai": status})),
            )
        october = date(2026, 10, 1)
        assert _raw_count(conn, RULE, october, "epoch_ms") == 2
        paid = {**RULE, "where": "payload ->> 'trang_thai' = 'paid'"}
        assert _raw_count(conn, paid, october, "epoch_ms") == 1
        assert _raw_count(conn, paid, date(2026, 9, 1), "epoch_ms") == 1
