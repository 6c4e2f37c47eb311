"""Faults occur at their configured rate, only when asked, and never change the data."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter

import pytest
import requests
import sim_clients as clients

from dti_simulators import start_simulators
from dti_simulators.faults import FaultSpecError, FaultTimings, parse_faults
from dti_simulators.truth import ground_truth

SOURCES = ("eoffice", "dvc", "postmart", "voso", "handbook")
WINDOW = {"updated_from": "2025-07-01T00:00:00+07:00", "updated_to": "2025-07-03T00:00:00+07:00", "limit": 50}


def test_the_fault_spec_names_sources_kinds_and_rates():
    plan = parse_faults("*:5xx=0.1,429=0.05;dvc:token_expiry=0.3;eoffice:5xx=0.2", SOURCES)
    assert plan["voso"] == {"5xx": 0.1, "429": 0.05}
    assert plan["dvc"]["token_expiry"] == 0.3 and plan["eoffice"]["5xx"] == 0.2
    for bad in ("nope:5xx=0.1", "*:melt=0.1", "*:5xx=2", "*:5xx=x", "eoffice"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad, SOURCES)


def _statuses(sim, count: int) -> list[int]:
    return [clients.eoffice_get(sim, "/api/v1/documents", WINDOW).status_code for _ in range(count)]


def test_transport_faults_occur_at_their_rate_and_retrying_gives_the_same_data(simulators):
    spec = "eoffice:5xx=0.2,429=0.1,truncate=0.1"
    with start_simulators("tiny", 7, only=("eoffice",), faults=spec) as faulty:
        sim = faulty.simulators["eoffice"]
        responses = [clients.eoffice_get(sim, "/api/v1/documents", WINDOW) for _ in range(600)]
        statuses = [r.status_code for r in responses]
        fivexx = sum(s in (500, 502, 503) for s in statuses) / len(statuses)
        too_many = [r for r in responses if r.status_code == 429]
        assert 0.15 < fivexx < 0.25, fivexx
        # 429 is drawn only for requests that did not get a 5xx: 0.8 * 0.1
        assert 0.05 < len(too_many) / len(statuses) < 0.11
        assert all(r.headers["Retry-After"].isdigit() for r in too_many)
        ok = [r for r in responses if r.status_code == 200]
        truncated = [r for r in ok if not r.content.endswith(b"}")]
        assert 0.05 < len(truncated) / len(ok) < 0.16
        whole = [r for r in ok if r.content.endswith(b"}")]
        genuine = clients.eoffice_get(simulators.simulators["eoffice"], "/api/v1/documents", WINDOW).content
        assert {r.content for r in whole} == {genuine}, "a retried request gets exactly the genuine page"
        assert {s for s in statuses} <= {200, 429, 500, 502, 503}


def test_no_fault_happens_unless_asked(simulators):
    statuses = _statuses(simulators.simulators["eoffice"], 200)
    assert set(statuses) == {200}
    assert simulators.fault_counts() == {}
    assert simulators.manifest() == []


def test_slow_and_timeout_hold_the_request():
    timings = FaultTimings(slow_seconds=0.4, timeout_seconds=1.5)
    with (
        start_simulators(
            "tiny", 7, only=("eoffice",), faults="eoffice:timeout=1", fault_timings=timings
        ) as sims,
        pytest.raises(requests.Timeout),
    ):
        requests.get(sims.simulators["eoffice"].base_url + "/api/v1/accounts", timeout=0.5)
    with start_simulators(
        "tiny", 7, only=("eoffice",), faults="eoffice:slow=1", fault_timings=timings
    ) as sims:
        sim = sims.simulators["eoffice"]
        response = clients.eoffice_get(sim, "/api/v1/accounts")
        assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.4


def test_duplicated_and_reordered_pages_hold_the_same_records(simulators):
    spec = "postmart:duplicate_page=0.5,reorder_page=0.5"
    with start_simulators("tiny", 7, only=("postmart",), faults=spec, postmart_rate_limit=0) as faulty:
        window = {"tu_ngay": "2025-06-01T00:00:00Z", "den_ngay": "2025-09-01T00:00:00Z"}
        got = clients.postmart_all(faulty.simulators["postmart"], "/api/v1/ho-gia-dinh", window, size=20)
        genuine = clients.postmart_all(
            simulators.simulators["postmart"], "/api/v1/ho-gia-dinh", window, size=20
        )
        assert len(got) > len(genuine), "some pages came twice"
        assert {r["ma_ho"] for r in got} == {r["ma_ho"] for r in genuine}
        counts = faulty.fault_counts()["postmart"]
        pages = -(-len(genuine) // 20)
        assert 0.2 * pages < counts["duplicate_page"] < 0.8 * pages


def test_dvc_token_expiry_asks_for_a_new_token_at_its_rate():
    with start_simulators("tiny", 7, only=("dvc",), faults="dvc:token_expiry=0.3") as sims:
        sim = sims.simulators["dvc"]
        headers = {"Authorization": f"Bearer {clients.dvc_token(sim)}"}
        statuses = [
            requests.get(sim.base_url + "/api/dvc/thutuc", headers=headers).status_code for _ in range(300)
        ]
        assert 0.22 < statuses.count(401) / 300 < 0.38
        assert set(statuses) == {200, 401}


KIND_NAMES = (
    "bad_date",
    "unknown_unit",
    "negative_amount",
    "non_numeric_amount",
    "invalid_utf8",
    "missing_field",
)
BAD_KINDS = ",".join(f"{kind}=0.05" for kind in KIND_NAMES)


def test_bad_records_are_extra_keyed_records_listed_in_the_manifest(simulators, tmp_path):
    with start_simulators(
        "tiny", 7, faults=f"*:{BAD_KINDS},extra_field=0.1", postmart_rate_limit=0
    ) as faulty:
        manifest = faulty.manifest()
        assert faulty.write_manifest(tmp_path / "bad.csv") == len(manifest)
        with (tmp_path / "bad.csv").open() as f:
            assert next(csv.reader(f)) == ["source", "entity", "record_key", "kind", "month"]
        assert {e.source for e in manifest} == set(SOURCES)
        assert {e.kind for e in manifest} == set(KIND_NAMES)
        assert all(e.key.startswith(f"BAD-{e.kind}-") for e in manifest)
        # the genuine records are all still there, each with its own key
        window = {
            "tu_ngay": "2025-06-01T00:00:00Z",
            "den_ngay": "2025-09-01T00:00:00Z",
            "trang": 1,
            "so_ban_ghi": 200,
        }
        response = requests.get(
            faulty.simulators["postmart"].base_url + "/api/v1/don-hang",
            params=window,
            headers={"Authorization": f"Bearer {faulty.simulators['postmart'].credentials['password']}"},
        )
        text = response.content.decode("utf-8", errors="surrogateescape")
        assert "\udcff" in text or "invalid_utf8" not in {e.kind for e in manifest if e.entity == "orders"}
        genuine = clients.postmart_all(simulators.simulators["postmart"], "/api/v1/don-hang", window | {})
        served_keys = set()
        import json

        body = json.loads(text)
        served_keys = {r.get("ma_don_hang") for r in body["du_lieu"]}
        assert {r["ma_don_hang"] for r in genuine[:100]} & served_keys
        bad_orders = {e.key for e in manifest if e.source == "postmart" and e.entity == "orders"}
        assert bad_orders and all(
            k.startswith("BAD-") for k in served_keys - {r["ma_don_hang"] for r in genuine}
        )
        drifted = [
            r for r in body["du_lieu"] if "x_new_field" in r and not r["ma_don_hang"].startswith("BAD-")
        ]
        assert 0 < len(drifted) < len(body["du_lieu"]) / 2
        # a handbook export carries its bad rows too
        listing = clients.handbook_listing(faulty.simulators["handbook"])
        url = next(
            f["url"]
            for m in listing
            if m["month"] == "2025-07"
            for f in m["files"]
            if f["entity"] == "members"
        )
        auth = (
            faulty.simulators["handbook"].credentials["login"],
            faulty.simulators["handbook"].credentials["password"],
        )
        raw = gzip.decompress(requests.get(faulty.simulators["handbook"].base_url + url, auth=auth).content)
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8", errors="replace")[1:]), delimiter=";"))
        assert any(r[0].startswith("BAD-") for r in rows[1:])
    assert ground_truth("tiny", 7, "2025-07").as_dict() == ground_truth("tiny", 7, "2025-07").as_dict()


def test_the_manifest_lists_every_bad_handbook_row_of_every_export(tmp_path):
    """A member's bad copy may come in several months' exports: one manifest row per export."""
    with start_simulators("tiny", 7, only=("handbook",), faults=f"handbook:{BAD_KINDS}") as faulty:
        sim = faulty.simulators["handbook"]
        manifest = faulty.manifest()
        auth = (sim.credentials["login"], sim.credentials["password"])
        served = []
        for export in clients.handbook_listing(sim):
            for file in export["files"]:
                raw = gzip.decompress(requests.get(sim.base_url + file["url"], auth=auth).content)
                text = raw.decode("utf-8", errors="surrogateescape")[1:]  # bad rows hold 0xff 0xfe
                rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
                assert file["rows"] == len(rows), "the listed row count includes the bad rows"
                # the key is every file's first column
                served += [(file["entity"], export["month"], r[0]) for r in rows if r[0].startswith("BAD-")]
        listed = [(e.entity, e.month, e.key) for e in manifest]
        assert len(served) == len(set(served)) and sorted(served) == sorted(listed)
        repeated = Counter((entity, key) for entity, _, key in listed)
        assert max(repeated.values()) > 1, "some bad row comes in more than one export"
        assert faulty.write_manifest(tmp_path / "bad.csv") == len(served)
