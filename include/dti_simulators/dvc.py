"""Public-service portal (Cổng DVC) simulator: procedures, applications and ratings.

Contract (docs/source-contracts.md §2): OAuth2 client credentials with tokens that
expire; cursor pages with X-Total-Count; times `dd/mm/yyyy HH:MM:SS` local (+07:00)
without an offset; Vietnamese PascalCase fields without diacritics. Applications filter by
change (tu_ngay/den_ngay) and reception (tiep_nhan_tu/tiep_nhan_den) windows.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations.
import secrets
import threading
import time
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Query
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from dti_simulators import anchors
from dti_simulators.faults import EntityShape, FaultPlan, Manifest, inject
from dti_simulators.geography import Commune, load_geography
from dti_simulators.httpkit import (
    ApiError,
    json_content,
    json_response,
    new_app,
    object_schema,
    query_window,
)
from dti_simulators.names import FIELDS, procedure
from dti_simulators.paging import decode_cursor, encode_cursor
from dti_simulators.presets import Preset
from dti_simulators.randomness import rng_for
from dti_simulators.reference import commune_population
from dti_simulators.store import Entity, LruCache, Record, Window
from dti_simulators.timefmt import dvc_time, month_start, parse_dvc_time, seconds_in
from dti_simulators.units import commune_code_at
from dti_simulators.world import adoption

MAX_PAGE_SIZE = 500
TOKEN_SECONDS = 300
MAX_PROCESSING = timedelta(days=45)  # due within 20 days, late results within 25 more
MAX_RATING_DELAY = timedelta(days=50)
PROCEDURES_SINCE = datetime(2021, 1, 1, tzinfo=month_start(date(2021, 1, 1)).tzinfo)

APPLICATION_SHAPE = EntityShape(
    "dvc",
    "applications",
    "MaHoSo",
    date_field="NgayTiepNhan",
    bad_date="31/02/2025 25:61:00",
    unit_field="MaDonVi",
    amount_field="LePhi",
    text_field="MaTTHC",
    required_field="MaDonVi",
)
RATING_SHAPE = EntityShape(
    "dvc",
    "ratings",
    "MaDanhGia",
    date_field="NgayDanhGia",
    bad_date="31/02/2025 25:61:00",
    unit_field="MaDonVi",
    text_field="MaHoSo",
    required_field="MaDonVi",
)
PROCEDURE_SHAPE = EntityShape(
    "dvc",
    "procedures",
    "MaTTHC",
    date_field="NgayApDung",
    bad_date="31/02/2025 25:61:00",
    unit_field="MaTinh",
    text_field="TenTTHC",
    required_field="MaTinh",
)


def procedure_records(seed: int, preset: Preset, province_code: str) -> list[Record]:
    """A province's procedure catalogue at the as-of moment; upgrades follow adoption."""
    geo = load_geography()
    capital = geo.communes_of(province_code)[0]
    rng = rng_for(seed, "dvc", "procedures", province_code)
    count = max(20, round(anchors.PROCEDURES_PER_PROVINCE * preset.volume_scale))
    months = preset.months()
    levels = [adoption(seed, capital, m) for m in months]
    records = []
    for number in range(1, count + 1):
        field = rng.choice(FIELDS)
        threshold = rng.random()
        applies = PROCEDURES_SINCE + timedelta(days=rng.uniform(0, 1300))
        initial_full = threshold < 0.15 + 0.6 * levels[0]
        upgraded_at = None
        if not initial_full:
            for month, level in zip(months, levels, strict=True):
                if threshold < 0.15 + 0.6 * level:
                    upgraded_at = month_start(month) + timedelta(seconds=rng.randrange(seconds_in(month)))
                    break
            if upgraded_at is not None and upgraded_at >= preset.as_of:
                upgraded_at = None
        full = initial_full or upgraded_at is not None
        changed = upgraded_at or applies
        record = {
            "MaTTHC": f"1.{number:06d}.000.00.00.H{province_code}",
            "TenTTHC": procedure(rng, field),
            "MaTinh": province_code,
            "LinhVuc": field,
            "MucDo": "toan_trinh" if full else "mot_phan",
            "NgayApDung": dvc_time(changed),
            "MucDoTruoc": "mot_phan" if upgraded_at else None,
            "NgayNangCap": dvc_time(upgraded_at) if upgraded_at else None,
            "NgayCapNhat": dvc_time(changed),
        }
        records.append(Record(record, capital.code, applies, changed))
    return records


def generate_applications(seed: int, preset: Preset, commune: Commune, month: date) -> list[Record]:
    """Applications a commune received in a month, as they stand at the as-of moment."""
    rng = rng_for(seed, "dvc", "applications", commune.code, month.isoformat())
    level = adoption(seed, commune, month)
    people = commune_population()[commune.code].population
    mean = anchors.APPLICATIONS_PER_PERSON_MONTH * people * preset.volume_scale * (0.8 + 0.4 * rng.random())
    count = max(1, round(rng.gauss(mean, mean**0.5)))
    catalogue = _catalogue(seed, preset, commune.province_code)
    start, seconds = month_start(month), seconds_in(month)
    records = []
    for received in sorted(start + timedelta(seconds=rng.randrange(seconds)) for _ in range(count)):
        number = len(records) + 1
        online = rng.random() < 0.2 + 0.7 * level
        channel = "1" if online else ("2" if rng.random() < 0.9 else "3")
        due = received + timedelta(days=rng.randint(3, 20))
        if rng.random() < 0.7 + 0.28 * level:
            result = received + (due - received) * rng.uniform(0.05, 1.0)
        else:
            result = due + timedelta(days=rng.uniform(0.2, 25))
        if result >= preset.as_of:
            result = None
        fee = rng.choice((10_000, 20_000, 50_000, 100_000, 200_000, 500_000)) if rng.random() < 0.4 else 0
        paid_online = fee > 0 and online and rng.random() < 0.3 + 0.65 * level
        digitised = result is not None and rng.random() < 0.3 + 0.65 * level
        updated = result or received
        record = {
            "MaHoSo": f"HS{month:%Y%m}{commune.code}{number:06d}",
            "MaTTHC": rng.choice(catalogue),
            "MaDonVi": commune_code_at(commune, received, rng),
            "KenhNop": channel,
            "NgayTiepNhan": dvc_time(received),
            "HanXuLy": dvc_time(due),
            "NgayCoKetQua": dvc_time(result) if result else None,
            "TrangThai": "da_tra_ket_qua" if result else "dang_xu_ly",
            "LePhi": fee,
            "ThanhToanTrucTuyen": paid_online,
            "KetQuaDienTu": digitised,
            "NgayCapNhat": dvc_time(updated),
        }
        records.append(Record(record, commune.code, received, updated))
    return records


def generate_ratings(seed: int, preset: Preset, commune: Commune, month: date) -> list[Record]:
    """Ratings of the applications a commune received in a month (rated after their result)."""
    rng = rng_for(seed, "dvc", "ratings", commune.code, month.isoformat())
    level = adoption(seed, commune, month)
    ratings = []
    for application in _applications(seed, preset, commune, month):
        result_text = application.record["NgayCoKetQua"]
        if result_text is None or rng.random() >= anchors.RATED_SHARE:
            continue
        rated = parse_dvc_time(result_text) + timedelta(days=rng.uniform(0, 5))
        if rated >= preset.as_of:
            continue
        satisfied = rng.random() < 0.6 + 0.35 * level
        score = rng.choice((4, 5)) if satisfied else rng.choice((1, 2, 3))
        record = {
            "MaDanhGia": f"DG{application.record['MaHoSo'][2:]}",
            "MaHoSo": application.record["MaHoSo"],
            "MaDonVi": commune_code_at(commune, rated, rng),
            "DiemHaiLong": score,
            "NgayDanhGia": dvc_time(rated),
        }
        ratings.append(Record(record, commune.code, rated, rated))
    return ratings


_CATALOGUES = LruCache(64)
_APPLICATIONS = LruCache(256)


def _catalogue(seed: int, preset: Preset, province_code: str) -> list[str]:
    return _CATALOGUES.get_or_make(
        (seed, preset.name, province_code),
        lambda: [r.record["MaTTHC"] for r in procedure_records(seed, preset, province_code)],
    )


def _applications(seed: int, preset: Preset, commune: Commune, month: date) -> list[Record]:
    return _APPLICATIONS.get_or_make(
        (seed, preset.name, commune.code, month), lambda: generate_applications(seed, preset, commune, month)
    )


class DvcData:
    """Procedures, applications and ratings of a preset, generated on demand."""

    def __init__(
        self, seed: int, preset: Preset, plan: FaultPlan | None = None, manifest: Manifest | None = None
    ):
        self.seed, self.preset, self.plan, self.manifest = seed, preset, plan, manifest
        communes, months = preset.communes(), preset.months()
        self.applications = Entity(
            APPLICATION_SHAPE,
            lambda c, m: _applications(seed, preset, c, m),
            communes,
            months,
            max_lag=MAX_PROCESSING,
            plan=plan,
            manifest=manifest,
        )
        self.ratings = Entity(
            RATING_SHAPE,
            lambda c, m: generate_ratings(seed, preset, c, m),
            communes,
            months,
            max_lag=MAX_RATING_DELAY,
            creation_lag=MAX_RATING_DELAY,  # generated with the month of the rated application
            plan=plan,
            manifest=manifest,
        )
        self.province_codes = sorted({c.province_code for c in communes})
        self._procedures = LruCache(2)

    def procedures(self) -> list[Record]:
        return self._procedures.get_or_make("all", self._all_procedures)

    def _all_procedures(self) -> list[Record]:
        result = []
        for code in self.province_codes:
            genuine = procedure_records(self.seed, self.preset, code)
            records, bad = inject(
                self.plan,
                PROCEDURE_SHAPE,
                code,
                genuine,
                lambda t, r: Record(r, t.commune_code, t.created_at, t.updated_at),
            )
            if bad and self.manifest is not None:
                self.manifest.add(bad)
            result.extend(records)
        return result


class TokenIssuer:
    """Bearer tokens for one client that expire after `lifetime` seconds."""

    def __init__(self, lifetime: float = TOKEN_SECONDS):
        self.lifetime = lifetime
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.lifetime
        return token

    def valid(self, token: str) -> bool | None:
        """True if valid, False if expired, None if never issued."""
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None:
            return None
        return expires > time.monotonic()


DVC_TIME = {
    "type": "string",
    "pattern": r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$",
    "description": "dd/mm/yyyy HH:MM:SS, +07:00",
}
NULLABLE_DVC_TIME = {"anyOf": [DVC_TIME, {"type": "null"}]}
PROCEDURE_SCHEMA = object_schema(
    {
        "MaTTHC": {"type": "string"},
        "TenTTHC": {"type": "string"},
        "MaTinh": {"type": "string", "description": "post-merger province code"},
        "LinhVuc": {"type": "string"},
        "MucDo": {"type": "string", "enum": ["toan_trinh", "mot_phan"]},
        "NgayApDung": DVC_TIME,
        "MucDoTruoc": {"anyOf": [{"type": "string", "enum": ["mot_phan"]}, {"type": "null"}]},
        "NgayNangCap": NULLABLE_DVC_TIME,
        "NgayCapNhat": DVC_TIME,
    }
)
APPLICATION_SCHEMA = object_schema(
    {
        "MaHoSo": {"type": "string"},
        "MaTTHC": {"type": "string"},
        "MaDonVi": {"type": "string", "description": "5-digit commune code (legacy before 1 July 2025)"},
        "KenhNop": {"type": "string", "enum": ["1", "2", "3"], "description": "1 online, 2 counter, 3 post"},
        "NgayTiepNhan": DVC_TIME,
        "HanXuLy": DVC_TIME,
        "NgayCoKetQua": NULLABLE_DVC_TIME,
        "TrangThai": {"type": "string", "enum": ["dang_xu_ly", "da_tra_ket_qua"]},
        "LePhi": {"type": "integer", "minimum": 0, "description": "VND"},
        "ThanhToanTrucTuyen": {"type": "boolean"},
        "KetQuaDienTu": {"type": "boolean"},
        "NgayCapNhat": DVC_TIME,
    }
)
RATING_SCHEMA = object_schema(
    {
        "MaDanhGia": {"type": "string"},
        "MaHoSo": {"type": "string"},
        "MaDonVi": {"type": "string"},
        "DiemHaiLong": {"type": "integer", "minimum": 1, "maximum": 5},
        "NgayDanhGia": DVC_TIME,
    }
)
TOKEN_SCHEMA = object_schema(
    {
        "access_token": {"type": "string"},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_in": {"type": "integer"},
    }
)


def _page(schema: dict, description: str) -> dict:
    body = object_schema(
        {
            "data": {"type": "array", "items": schema},
            "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        }
    )
    response = json_content(body, description)
    response["headers"] = {
        "X-Total-Count": {"schema": {"type": "integer"}, "description": "records of the query"}
    }
    return response


def create_app(
    data: DvcData,
    client_id: str,
    client_secret: str,
    plan: FaultPlan | None = None,
    token_seconds: float = TOKEN_SECONDS,
) -> FastAPI:
    app = new_app(
        "Cổng DVC public-service portal API (simulator)",
        "Administrative procedures, applications and citizens' ratings. OAuth2 client "
        "credentials at /oauth/token; cursor pages; times dd/mm/yyyy HH:MM:SS (+07:00).",
        auth_errors={
            401: "missing_token (no 'Authorization: Bearer <token>') or invalid_token (the token has "
            "expired: request a new one at /oauth/token)",
            403: "invalid_token: a token this server never issued",
        },
    )
    tokens = TokenIssuer(token_seconds)
    scheme = OAuth2(
        flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl="/oauth/token")),
        auto_error=False,
        description="client credentials; tokens expire after expires_in seconds",
    )

    def authorised(authorization: Annotated[str | None, Depends(scheme)]) -> None:
        if not authorization:
            raise ApiError(401, "missing_token", "send Authorization: Bearer <token> from /oauth/token")
        kind, _, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token:
            raise ApiError(401, "missing_token", "the Authorization header must be 'Bearer <token>'")
        state = tokens.valid(token)
        if state is None:
            raise ApiError(403, "invalid_token", "this token was not issued by this server")
        if state is False or (plan is not None and plan.draw("token_expiry")):
            raise ApiError(401, "invalid_token", "the token has expired; request a new one")

    @app.post(
        "/oauth/token",
        summary="Issue an access token (client credentials)",
        responses={
            200: json_content(TOKEN_SCHEMA, "A bearer token"),
            400: {
                "description": "invalid_parameter (a form field is missing) or unsupported_grant_type",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            401: {
                "description": "invalid_client: unknown client_id or wrong client_secret",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    )
    def token(
        grant_type: Annotated[str, Form()],
        client_id_: Annotated[str, Form(alias="client_id")],
        client_secret_: Annotated[str, Form(alias="client_secret")],
    ):
        if grant_type != "client_credentials":
            raise ApiError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if client_id_ != client_id or client_secret_ != client_secret:
            raise ApiError(401, "invalid_client", "unknown client_id or wrong client_secret")
        return json_response(
            {"access_token": tokens.issue(), "token_type": "Bearer", "expires_in": int(token_seconds)}
        )

    def window(names: tuple[str, str], values: tuple[str | None, str | None]) -> Window | None:
        return query_window(
            names, values, parse_dvc_time, error="invalid_parameter", expected="dd/mm/yyyy HH:MM:SS"
        )

    def page(found: list[Record], query: str, cursor: str | None, page_size: int):
        position = decode_cursor(cursor, query) if cursor else 0
        items = [r.record for r in found[position : position + page_size]]
        if plan is not None:
            items = plan.page(items)
        after = position + page_size
        body = {"data": items, "next_cursor": encode_cursor(after, query) if after < len(found) else None}
        return json_response(body, headers={"X-Total-Count": str(len(found))})

    size = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
    since = Annotated[str, Query(description="inclusive; dd/mm/yyyy HH:MM:SS local time")]
    until = Annotated[str, Query(description="exclusive; dd/mm/yyyy HH:MM:SS local time")]
    changed_since = Annotated[
        str | None, Query(description="inclusive, on NgayCapNhat; dd/mm/yyyy HH:MM:SS local time")
    ]
    changed_until = Annotated[
        str | None, Query(description="exclusive, on NgayCapNhat; dd/mm/yyyy HH:MM:SS local time")
    ]
    received_since = Annotated[
        str | None, Query(description="inclusive, on NgayTiepNhan; dd/mm/yyyy HH:MM:SS local time")
    ]
    received_until = Annotated[
        str | None, Query(description="exclusive, on NgayTiepNhan; dd/mm/yyyy HH:MM:SS local time")
    ]

    @app.get(
        "/api/dvc/thutuc",
        dependencies=[Depends(authorised)],
        summary="Procedure catalogue (snapshot)",
        responses={200: _page(PROCEDURE_SCHEMA, "One page of procedures")},
    )
    def procedures(page_size: size = 100, cursor: str | None = None):
        return page(data.procedures(), "thutuc", cursor, page_size)

    @app.get(
        "/api/dvc/hoso",
        dependencies=[Depends(authorised)],
        summary="Applications by change window (NgayCapNhat) or reception window (NgayTiepNhan)",
        description="Applications whose NgayCapNhat is in [tu_ngay, den_ngay) and whose NgayTiepNhan "
        "(the reception: the application's creation) is in [tiep_nhan_tu, tiep_nhan_den); every bound "
        "is optional (a side not given is open; no window at all: every application). Ordered by "
        "NgayTiepNhan, MaHoSo when a reception bound is given, else by NgayCapNhat, MaHoSo.",
        responses={200: _page(APPLICATION_SCHEMA, "One page of applications")},
    )
    def applications(
        tu_ngay: changed_since = None,
        den_ngay: changed_until = None,
        tiep_nhan_tu: received_since = None,
        tiep_nhan_den: received_until = None,
        page_size: size = 100,
        cursor: str | None = None,
    ):
        changed = window(("tu_ngay", "den_ngay"), (tu_ngay, den_ngay))
        created = window(("tiep_nhan_tu", "tiep_nhan_den"), (tiep_nhan_tu, tiep_nhan_den))
        found = data.applications.select(created=created, changed=changed)
        return page(found, f"hoso:{changed}:{created}", cursor, page_size)

    @app.get(
        "/api/dvc/danhgia",
        dependencies=[Depends(authorised)],
        summary="Citizens' ratings given in a window (by NgayDanhGia)",
        responses={200: _page(RATING_SCHEMA, "One page of ratings")},
    )
    def ratings(tu_ngay: since, den_ngay: until, page_size: size = 100, cursor: str | None = None):
        start, end = window(("tu_ngay", "den_ngay"), (tu_ngay, den_ngay))
        return page(data.ratings.changed_between(start, end), f"danhgia:{start}:{end}", cursor, page_size)

    return app
