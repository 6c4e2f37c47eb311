"""E-office / QLVB simulator: official documents and the officials' accounts.

Contract (docs/source-contracts.md §1, /openapi.json): API key in X-API-Key; offset +
limit pages with a total; updated_from / updated_to on the last change and created_from /
created_to on the creation (ISO 8601 with offset, half-open, each optional);
English camelCase; times in +07:00; orgCode = 5-digit commune code (legacy before the
merger, except accounts, which carry the current code).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations.
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.security import APIKeyHeader

from dti_simulators import anchors
from dti_simulators.faults import EntityShape, FaultPlan, Manifest, inject
from dti_simulators.geography import Commune
from dti_simulators.httpkit import (
    ApiError,
    json_content,
    json_response,
    new_app,
    object_schema,
    query_window,
)
from dti_simulators.names import person
from dti_simulators.presets import Preset
from dti_simulators.randomness import rng_for
from dti_simulators.reference import commune_population
from dti_simulators.store import Entity, LruCache, Record, Window
from dti_simulators.timefmt import iso_local, month_end, month_start, parse_iso_with_offset, seconds_in
from dti_simulators.units import commune_code_at
from dti_simulators.world import adoption

MAX_LIMIT = 1000
# A document is completed at the latest this long after creation, so a window of change
# times only needs documents created up to this long before it.
MAX_PROCESSING = timedelta(days=60)
ACCOUNTS_SINCE = datetime(2019, 1, 1, tzinfo=month_start(date(2019, 1, 1)).tzinfo)

Document = Record  # kept for callers that name the e-office record a Document

DOCUMENT_SHAPE = EntityShape(
    "eoffice",
    "documents",
    "id",
    date_field="createdAt",
    bad_date="2025-02-31T25:61:00+07:00",
    unit_field="orgCode",
    text_field="handlerAccountId",
    required_field="orgCode",
)
ACCOUNT_SHAPE = EntityShape(
    "eoffice",
    "accounts",
    "accountId",
    date_field="createdAt",
    bad_date="2025-02-31T25:61:00+07:00",
    unit_field="orgCode",
    text_field="fullName",
    required_field="orgCode",
)


@dataclass(frozen=True)
class Account:
    account_id: str
    created_at: datetime
    deactivated_at: datetime | None
    certificate_at: datetime | None
    activity_draw: float  # the account handles documents in months where adoption exceeds it


def _first_month_above(seed: int, preset: Preset, commune: Commune, threshold: float) -> date | None:
    for month in preset.months():
        if adoption(seed, commune, month) > threshold:
            return month
    return None


def officials_count(commune: Commune) -> int:
    people = commune_population()[commune.code].population
    return round(anchors.OFFICIALS_BASE + anchors.OFFICIALS_PER_1000_PEOPLE * people / 1000)


def accounts_of(seed: int, preset: Preset, commune: Commune) -> list[Account]:
    """Every official's account of a commune as it stands at the preset's as-of moment."""
    rng = rng_for(seed, "eoffice", "accounts", commune.code)
    first = month_start(preset.first_month)
    span = (preset.as_of - first).total_seconds()
    accounts = []
    for number in range(1, officials_count(commune) + 1):
        if rng.random() < 0.9:  # most accounts predate the preset
            created = ACCOUNTS_SINCE + (first - ACCOUNTS_SINCE) * rng.random()
        else:
            created = first + timedelta(seconds=rng.random() * span)
        deactivated = None
        if rng.random() < 0.06:
            moment = max(created, first) + timedelta(days=rng.uniform(20, 400))
            deactivated = moment if moment < preset.as_of else None
        threshold = rng.random()
        certificate = None
        if threshold < adoption(seed, commune, preset.first_month) * 0.9:
            certificate = created + timedelta(days=rng.uniform(1, 60))
        else:
            month = _first_month_above(seed, preset, commune, threshold / 0.9)
            if month is not None:
                certificate = max(created, month_start(month)) + timedelta(seconds=rng.random() * 86400 * 27)
        if certificate is not None and certificate >= preset.as_of:
            certificate = None
        accounts.append(
            Account(f"TK{commune.code}{number:04d}", created, deactivated, certificate, rng.random())
        )
    return accounts


def account_records(seed: int, preset: Preset, commune: Commune) -> list[Record]:
    records = []
    for a in accounts_of(seed, preset, commune):
        rng = rng_for(seed, "eoffice", "account-name", a.account_id)
        changed = max(t for t in (a.created_at, a.deactivated_at, a.certificate_at) if t is not None)
        record = {
            "accountId": a.account_id,
            "orgCode": commune.code,
            "fullName": person(rng),
            "createdAt": iso_local(a.created_at),
            "deactivatedAt": iso_local(a.deactivated_at) if a.deactivated_at else None,
            "certificateIssuedAt": iso_local(a.certificate_at) if a.certificate_at else None,
            "updatedAt": iso_local(changed),
        }
        records.append(Record(record, commune.code, a.created_at, changed))
    return records


_ACCOUNTS = LruCache(2048)


def _handlers(seed: int, preset: Preset, commune: Commune, month: date) -> list[str]:
    """Accounts that handle documents in a month: they exist all month and are active users."""
    start, end = month_start(month), month_end(month)
    level = adoption(seed, commune, month)
    accounts = _ACCOUNTS.get_or_make(
        (seed, preset.name, commune.code), lambda: accounts_of(seed, preset, commune)
    )
    eligible = [
        a for a in accounts if a.created_at <= start and (a.deactivated_at is None or a.deactivated_at > end)
    ]
    active = [a.account_id for a in eligible if a.activity_draw < 0.3 + 0.7 * level]
    return active or [a.account_id for a in eligible[:1]] or [accounts[0].account_id]


def generate_documents(seed: int, preset: Preset, commune: Commune, month: date) -> list[Record]:
    """The documents a commune's offices created in a month, as they stand at preset.as_of."""
    rng = rng_for(seed, "eoffice", "documents", commune.code, month.isoformat())
    level = adoption(seed, commune, month)
    start = month_start(month)
    seconds = seconds_in(month)
    people = commune_population()[commune.code].population
    mean = anchors.DOCUMENTS_PER_PERSON_MONTH * people * preset.volume_scale * (0.8 + 0.4 * rng.random())
    count = max(1, round(rng.gauss(mean, mean**0.5)))
    handlers = _handlers(seed, preset, commune, month)
    electronic_share, signed_share, on_time_share = (
        0.35 + 0.64 * level,
        0.2 + 0.79 * level,
        0.55 + 0.4 * level,
    )
    documents = []
    for created in sorted(start + timedelta(seconds=rng.randrange(seconds)) for _ in range(count)):
        number = len(documents) + 1
        electronic = rng.random() < electronic_share
        signed = electronic and rng.random() < signed_share
        due = created + timedelta(days=rng.randint(3, 15))
        if rng.random() < on_time_share:
            completed = created + (due - created) * rng.uniform(0.1, 1.0)
        else:
            completed = due + timedelta(days=rng.uniform(0.5, 40))
        if completed >= preset.as_of:
            completed = None
        org_code = commune_code_at(commune, created, rng)
        updated = completed or created
        record = {
            "id": f"VB{month:%Y%m}-{commune.code}-{number:05d}",
            "orgCode": org_code,
            "direction": "out" if rng.random() < 0.45 else "in",
            "transmission": "electronic" if electronic else "paper",
            "digitallySigned": signed,
            "handlerAccountId": rng.choice(handlers),
            "createdAt": iso_local(created),
            "dueAt": iso_local(due),
            "completedAt": iso_local(completed) if completed else None,
            "status": "completed" if completed else "processing",
            "updatedAt": iso_local(updated),
        }
        documents.append(Record(record, commune.code, created, updated))
    return documents


class DocumentStore:
    """Documents of the preset, generated per commune and month on demand (bounded caches)."""

    def __init__(
        self, seed: int, preset: Preset, plan: FaultPlan | None = None, manifest: Manifest | None = None
    ):
        self.seed, self.preset = seed, preset
        self.communes = preset.communes()
        self.entity = Entity(
            DOCUMENT_SHAPE,
            lambda c, m: generate_documents(seed, preset, c, m),
            self.communes,
            preset.months(),
            max_lag=MAX_PROCESSING,
            plan=plan,
            manifest=manifest,
        )
        self.plan, self.manifest = plan, manifest
        self._accounts = LruCache(4)

    def of_commune_month(self, commune: Commune, month: date) -> list[Record]:
        return self.entity.of(commune, month)

    def updated_between(self, start: datetime, end: datetime) -> list[Record]:
        """Documents whose last change falls in [start, end), ordered by (updatedAt, id)."""
        return self.entity.changed_between(start, end)

    def documents(self, *, created: Window | None = None, changed: Window | None = None) -> list[Record]:
        """Documents created in `created` and last changed in `changed` (see Entity.select)."""
        return self.entity.select(created=created, changed=changed)

    def accounts(self) -> list[Record]:
        """Every account of the preset's communes, with injected bad ones, ordered by id."""
        return self._accounts.get_or_make("all", self._all_accounts)

    def _all_accounts(self) -> list[Record]:
        result = []
        for commune in self.communes:
            genuine = account_records(self.seed, self.preset, commune)
            records, bad = inject(
                self.plan, ACCOUNT_SHAPE, commune.code, genuine, lambda t, r: Record(r, *_rest(t))
            )
            if bad and self.manifest is not None:
                self.manifest.add(bad)
            result.extend(records)
        return result


def _rest(template: Record) -> tuple:
    return template.commune_code, template.created_at, template.updated_at


TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"anyOf": [TIME, {"type": "null"}]}
DOCUMENT_SCHEMA = object_schema(
    {
        "id": {"type": "string"},
        "orgCode": {"type": "string", "description": "5-digit commune code (legacy before 1 July 2025)"},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "transmission": {"type": "string", "enum": ["electronic", "paper"]},
        "digitallySigned": {"type": "boolean"},
        "handlerAccountId": {"type": "string", "description": "the official's accountId"},
        "createdAt": {**TIME, "description": "creation; created_from/created_to apply to it"},
        "dueAt": TIME,
        "completedAt": {**NULLABLE_TIME, "description": "null while open"},
        "status": {"type": "string", "enum": ["processing", "completed"]},
        "updatedAt": {**TIME, "description": "last change; updated_from/updated_to apply to it"},
    }
)
ACCOUNT_SCHEMA = object_schema(
    {
        "accountId": {"type": "string"},
        "orgCode": {"type": "string", "description": "the commune's current (post-merger) code"},
        "fullName": {"type": "string"},
        "createdAt": TIME,
        "deactivatedAt": NULLABLE_TIME,
        "certificateIssuedAt": {**NULLABLE_TIME, "description": "null without a signing certificate"},
        "updatedAt": TIME,
    }
)


def _page_schema(item: dict) -> dict:
    return object_schema(
        {
            "total": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "items": {"type": "array", "items": item},
        }
    )


def _window(names: tuple[str, str], values: tuple[str | None, str | None]):
    return query_window(
        names, values, parse_iso_with_offset, error="invalid_parameter", expected="ISO 8601 with an offset"
    )


def create_app(store: DocumentStore, api_key: str, plan: FaultPlan | None = None) -> FastAPI:
    app = new_app(
        "QLVB e-office API (simulator)",
        "Documents exchanged by the communes' offices and the officials' accounts. "
        "Send the API key in X-API-Key; pages by offset and limit: advance offset by limit (a page "
        "may hold more items than limit, see the faults), until offset reaches total.",
        auth_errors={401: "missing_api_key: no X-API-Key header", 403: "invalid_api_key: a wrong key"},
    )
    header = APIKeyHeader(
        name="X-API-Key", auto_error=False, description="The API key issued to the integration"
    )

    def authorised(key: Annotated[str | None, Depends(header)]) -> None:
        if not key:
            raise ApiError(401, "missing_api_key", "send the API key in the X-API-Key header")
        if key != api_key:
            raise ApiError(403, "invalid_api_key", "the API key is not valid")

    def page(found: list[Record], offset: int, limit: int):
        items = [r.record for r in found[offset : offset + limit]]
        if plan is not None:
            items = plan.page(items)
        return json_response({"total": len(found), "offset": offset, "limit": limit, "items": items})

    @app.get(
        "/api/v1/documents",
        dependencies=[Depends(authorised)],
        summary="Documents by change or creation time window",
        description="Documents whose updatedAt is in [updated_from, updated_to) and whose createdAt is in "
        "[created_from, created_to); every bound is optional (a side not given is open; no window at all: "
        "every document). Ordered by createdAt, id when a creation bound is given, else by updatedAt, id; "
        "total counts the filtered documents.",
        responses={200: json_content(_page_schema(DOCUMENT_SCHEMA), "One page of documents")},
    )
    def documents(
        updated_from: Annotated[str | None, Query(description="inclusive; ISO 8601 with an offset")] = None,
        updated_to: Annotated[str | None, Query(description="exclusive; ISO 8601 with an offset")] = None,
        created_from: Annotated[
            str | None, Query(description="inclusive, on createdAt; ISO 8601 with an offset")
        ] = None,
        created_to: Annotated[
            str | None, Query(description="exclusive, on createdAt; ISO 8601 with an offset")
        ] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ):
        changed = _window(("updated_from", "updated_to"), (updated_from, updated_to))
        created = _window(("created_from", "created_to"), (created_from, created_to))
        return page(store.documents(created=created, changed=changed), offset, limit)

    @app.get(
        "/api/v1/accounts",
        dependencies=[Depends(authorised)],
        summary="Every official's account (snapshot)",
        description="All accounts of the communes, ordered by commune and accountId.",
        responses={200: json_content(_page_schema(ACCOUNT_SCHEMA), "One page of accounts")},
    )
    def accounts(
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ):
        return page(store.accounts(), offset, limit)

    return app
