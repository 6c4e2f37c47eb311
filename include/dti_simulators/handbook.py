"""Party-member handbook (Sổ tay đảng viên) simulator: monthly export files.

Contract (docs/source-contracts.md §5): HTTP Basic; `GET /exports` lists each month's
files; each file is gzip CSV with `;`, a UTF-8 BOM, a header row and CRLF line ends;
dates dd/mm/yyyy; personal data (name, birth date, citizen ID, phone). Each export is the
snapshot at the end of its month; exports of months before July 2025 carry legacy codes.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations.
import csv
import gzip
import hashlib
import io
import secrets
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from dti_simulators import anchors, names
from dti_simulators.faults import EXTRA_FIELD, EntityShape, FaultPlan, Manifest, inject
from dti_simulators.geography import Commune
from dti_simulators.httpkit import ApiError, json_content, json_response, new_app, object_schema
from dti_simulators.presets import MERGER_DATE, Preset
from dti_simulators.randomness import rng_for
from dti_simulators.reference import commune_population
from dti_simulators.store import LruCache, Record
from dti_simulators.timefmt import month_end, month_start, seconds_in, vn_date
from dti_simulators.units import legacy_of
from dti_simulators.world import adoption

COLUMNS = {
    "cells": ("ma_chi_bo", "ten_chi_bo", "ma_dang_bo", "ma_xa", "loai_chi_bo", "ngay_tham_gia"),
    "members": (
        "ma_dang_vien",
        "ho_ten",
        "ngay_sinh",
        "so_cccd",
        "so_dien_thoai",
        "ma_chi_bo",
        "ngay_vao_dang",
        "ngay_kich_hoat",
    ),
    "activity": ("ma_dang_vien", "thang", "so_lan_dang_nhap", "so_tai_lieu_da_doc", "sinh_hoat_truc_tuyen"),
}
FILE_PREFIX = {"cells": "chi_bo", "members": "dang_vien", "activity": "hoat_dong"}
BAD_DATE = "31/02/2025"
SHAPES = {
    "cells": EntityShape(
        "handbook",
        "cells",
        "ma_chi_bo",
        "ngay_tham_gia",
        BAD_DATE,
        "ma_xa",
        "99999",
        text_field="ten_chi_bo",
        required_field="ma_xa",
    ),
    "members": EntityShape(
        "handbook",
        "members",
        "ma_dang_vien",
        "ngay_sinh",
        BAD_DATE,
        None,
        text_field="ho_ten",
        required_field="ma_chi_bo",
    ),
    "activity": EntityShape(
        "handbook",
        "activity",
        "ma_dang_vien",
        None,
        BAD_DATE,
        None,
        amount_field="so_lan_dang_nhap",
        text_field="thang",
        required_field="thang",
    ),
}
HISTORY_SINCE = datetime(2023, 1, 1, tzinfo=month_start(date(2023, 1, 1)).tzinfo)


@dataclass(frozen=True)
class Cell:
    code: str
    name: str
    legacy_code: str
    subordinate: bool
    joined_at: datetime | None


@dataclass(frozen=True)
class Member:
    code: str
    row: dict  # the export row without ngay_kich_hoat (it depends on the month)
    activated_at: datetime | None
    activated_text: str


def _adoption_time(months: list[date], levels: list[float], rng, threshold: float, factor: float):
    """When a cell or member joins: before the data if already in, else in the first month above."""
    if threshold < factor * levels[0]:
        return (HISTORY_SINCE + (month_start(months[0]) - HISTORY_SINCE) * rng.random()).replace(
            microsecond=0
        )
    for month, level in zip(months, levels, strict=True):
        if threshold < factor * level:
            return month_start(month) + timedelta(seconds=rng.randrange(seconds_in(month)))
    return None


def citizen_id(rng, province_code: str, born: date) -> str:
    """12 digits: 3 of the province of birth, 1 of sex and century, 2 of the year, 6 random."""
    return f"0{province_code}{rng.choice('0123')}{born.year % 100:02d}{rng.randrange(10**6):06d}"


class CommuneParty:
    """The cells and members of one commune as they stand at the as-of moment."""

    def __init__(self, seed: int, preset: Preset, commune: Commune):
        rng = rng_for(seed, "handbook", commune.code)
        people = commune_population()[commune.code].population
        member_count = max(3, round(people * anchors.MEMBERS_PER_PERSON * preset.volume_scale))
        cell_count = max(1, round(member_count / anchors.MEMBERS_PER_CELL))
        legacy = legacy_of(commune)
        months = preset.months()
        levels = [adoption(seed, commune, m, "soc") for m in months]
        self.cells = [
            Cell(
                f"CB{commune.code}{n:03d}",
                f"Chi bộ {'thôn' if rng.random() < 0.7 else 'tổ dân phố'} số {n}",
                rng.choice(legacy),
                rng.random() < 0.92,  # Yên Bái: 1,193 subordinate of 1,292 cells
                _adoption_time(months, levels, rng, rng.random(), 0.85),
            )
            for n in range(1, cell_count + 1)
        ]
        self.members = []
        for n in range(1, member_count + 1):
            born = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 57))
            admitted = min(born + timedelta(days=365 * 18 + rng.randrange(365 * 20)), date(2024, 6, 1))
            code = f"DV{commune.code}{n:05d}"
            row = {
                "ma_dang_vien": code,
                "ho_ten": names.person(rng),
                "ngay_sinh": vn_date(born),
                "so_cccd": citizen_id(rng, commune.province_code, born),
                "so_dien_thoai": f"0{rng.choice('3789')}{rng.randrange(10**8):08d}",
                "ma_chi_bo": rng.choice(self.cells).code,
                "ngay_vao_dang": vn_date(admitted),
            }
            activated = _adoption_time(months, levels, rng, rng.random(), 1.1)
            self.members.append(Member(code, row, activated, vn_date(activated) if activated else ""))


_PARTIES = LruCache(512)


def party(seed: int, preset: Preset, commune: Commune) -> CommuneParty:
    return _PARTIES.get_or_make(
        (seed, preset.name, commune.code), lambda: CommuneParty(seed, preset, commune)
    )


def _set(moment: datetime | None, end: datetime) -> str:
    return vn_date(moment) if moment is not None and moment < end else ""


def export_rows(seed: int, preset: Preset, commune: Commune, month: date) -> dict[str, list[Record]]:
    """Genuine rows of one commune in a month's three export files (snapshot at month end)."""
    end = month_end(month)
    legacy_codes = month < MERGER_DATE
    data = party(seed, preset, commune)
    rng = rng_for(seed, "handbook", "activity", commune.code, month.isoformat())
    level = adoption(seed, commune, month, "soc")

    def row(record: dict) -> Record:
        return Record(record, commune.code, end, end)

    cells = [
        row(
            {
                "ma_chi_bo": c.code,
                "ten_chi_bo": c.name,
                "ma_dang_bo": f"DB{commune.code}",
                "ma_xa": c.legacy_code if legacy_codes else commune.code,
                "loai_chi_bo": "truc_thuoc" if c.subordinate else "co_so",
                "ngay_tham_gia": _set(c.joined_at, end),
            }
        )
        for c in data.cells
    ]
    members, activity = [], []
    active_share, meeting_share, month_text = 0.45 + 0.45 * level, 0.5 * level, f"{month:%m/%Y}"
    for m in data.members:
        activated = m.activated_at is not None and m.activated_at < end
        members.append(row({**m.row, "ngay_kich_hoat": m.activated_text if activated else ""}))
        if activated:
            logins = 1 + int(rng.random() * 20) if rng.random() < active_share else 0
            activity.append(
                row(
                    {
                        "ma_dang_vien": m.code,
                        "thang": month_text,
                        "so_lan_dang_nhap": logins,
                        "so_tai_lieu_da_doc": int(rng.random() * (2 * logins + 1)),
                        "sinh_hoat_truc_tuyen": int(rng.random() < meeting_share),
                    }
                )
            )
    return {"cells": cells, "members": members, "activity": activity}


def write_csv_gz(columns: tuple[str, ...], records: list[dict]) -> bytes:
    """gzip CSV: `;`, UTF-8 with BOM, header, CRLF; a missing field shortens its row."""
    header = list(columns) + ([EXTRA_FIELD] if any(EXTRA_FIELD in r for r in records) else [])
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([record.get(c, "") for c in header if c in record or c == EXTRA_FIELD])
    raw = "\ufeff".encode() + text.getvalue().encode("utf-8", "surrogateescape")
    return gzip.compress(raw, compresslevel=1, mtime=0)


@dataclass(frozen=True)
class ExportFile:
    entity: str
    name: str
    month: str
    rows: int
    sha256: str
    size: int
    path: Path


class Exports:
    """The monthly export files, written on first use to a private directory (not memory)."""

    def __init__(
        self, seed: int, preset: Preset, plan: FaultPlan | None = None, manifest: Manifest | None = None
    ):
        self.seed, self.preset, self.plan, self.manifest = seed, preset, plan, manifest
        self.directory = Path(tempfile.mkdtemp(prefix="dti-handbook-"))
        self._files: dict[tuple[str, str], ExportFile] = {}
        self._lock = threading.Lock()

    def months(self) -> list[str]:
        return [f"{m:%Y-%m}" for m in self.preset.months()]

    def file(self, month: str, entity: str) -> ExportFile:
        with self._lock:
            if (month, entity) not in self._files:
                self._write_month(month)
            return self._files[(month, entity)]

    def _write_month(self, month_text: str) -> None:
        month = date(int(month_text[:4]), int(month_text[5:]), 1)
        rows: dict[str, list[dict]] = {e: [] for e in COLUMNS}
        for commune in self.preset.communes():
            for entity, genuine in export_rows(self.seed, self.preset, commune, month).items():
                records, bad = inject(
                    self.plan,
                    SHAPES[entity],
                    f"{commune.code}:{month_text}",
                    genuine,
                    lambda t, r: Record(r, *_rest(t)),
                    month=month_text,
                )
                if bad and self.manifest is not None:
                    self.manifest.add(bad)
                rows[entity].extend(r.record for r in records)
        for entity, records in rows.items():
            name = f"{FILE_PREFIX[entity]}_{month_text}.csv.gz"
            body = write_csv_gz(COLUMNS[entity], records)
            path = self.directory / name
            path.write_bytes(body)
            digest = hashlib.sha256(body).hexdigest()
            self._files[(month_text, entity)] = ExportFile(
                entity, name, month_text, len(records), digest, len(body), path
            )


def _rest(template: Record) -> tuple:
    return template.commune_code, template.created_at, template.updated_at


LISTING_SCHEMA = {
    "type": "array",
    "items": object_schema(
        {
            "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            "files": {
                "type": "array",
                "items": object_schema(
                    {
                        "entity": {"type": "string", "enum": ["cells", "members", "activity"]},
                        "name": {"type": "string"},
                        "url": {"type": "string", "description": "path to GET the file"},
                        "rows": {"type": "integer"},
                        "sha256": {"type": "string"},
                        "bytes": {"type": "integer"},
                    }
                ),
            },
        }
    ),
}


def create_app(exports: Exports, login: str, password: str, plan: FaultPlan | None = None) -> FastAPI:
    app = new_app(
        "Sổ tay đảng viên handbook exports (simulator)",
        "Monthly export files of party cells, members and activity: gzip CSV with ';', UTF-8 BOM, "
        "CRLF, dates dd/mm/yyyy. HTTP Basic. Files hold personal data.",
        auth_errors={
            401: {
                "description": "unauthorised: no HTTP Basic credentials",
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Basic"}},
            },
            403: "forbidden: a wrong login or password",
        },
    )
    basic = HTTPBasic(auto_error=False, description="login and password of the integration")

    def authorised(credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]) -> None:
        if credentials is None:
            raise ApiError(401, "unauthorised", "send HTTP Basic credentials", {"WWW-Authenticate": "Basic"})
        good = secrets.compare_digest(credentials.username, login) and secrets.compare_digest(
            credentials.password, password
        )
        if not good:
            raise ApiError(403, "forbidden", "wrong login or password")

    @app.get(
        "/exports",
        dependencies=[Depends(authorised)],
        summary="The monthly exports and their files",
        responses={200: json_content(LISTING_SCHEMA, "Months, oldest first, each with its three files")},
    )
    def listing():
        return json_response(
            [
                {
                    "month": month,
                    "files": [
                        {
                            "entity": f.entity,
                            "name": f.name,
                            "url": f"/exports/{month}/{f.name}",
                            "rows": f.rows,
                            "sha256": f.sha256,
                            "bytes": f.size,
                        }
                        for f in (exports.file(month, e) for e in COLUMNS)
                    ],
                }
                for month in exports.months()
            ]
        )

    @app.get(
        "/exports/{month}/{name}",
        dependencies=[Depends(authorised)],
        summary="Download one export file (gzip CSV)",
        responses={
            200: {
                "description": "The file",
                "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {
                "description": "No such file",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    )
    def download(month: str, name: str):
        if month not in exports.months():
            raise ApiError(404, "not_found", f"no export for {month!r}")
        entity = next((e for e, prefix in FILE_PREFIX.items() if name == f"{prefix}_{month}.csv.gz"), None)
        if entity is None:
            raise ApiError(404, "not_found", f"no file {name!r} in the export of {month}")
        found = exports.file(month, entity)
        return FileResponse(found.path, media_type="application/gzip", filename=found.name)

    return app
