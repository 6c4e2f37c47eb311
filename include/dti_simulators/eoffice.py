"""E-office / QLVB simulator: official documents of every commune's offices.

Contract (see /openapi.json and docs/simulators.md): API key in the X-API-Key header;
offset + limit pages with a `total`; `updated_from` / `updated_to` filters (ISO 8601 with
a UTC offset, half-open); camelCase English fields; times in +07:00.
"""

# No `from __future__ import annotations` here: FastAPI must see the real types of the
# endpoint parameters, which reference local names.
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader

from dti_simulators.geography import Commune, load_geography
from dti_simulators.presets import MERGER_AT, VN, Preset
from dti_simulators.randomness import rng_for
from dti_simulators.world import adoption

MAX_LIMIT = 1000
# A document is completed at the latest this long after creation, so a window of change
# times only needs documents created up to this long before it.
MAX_PROCESSING = timedelta(days=60)
DOCUMENTS_PER_COMMUNE_MONTH = 600


@dataclass(frozen=True)
class Document:
    record: dict[str, Any]  # exactly what the API serves
    commune_code: str  # the post-2025 commune it belongs to (ground truth, never served)
    created_at: datetime
    updated_at: datetime


def _iso(moment: datetime) -> str:
    return moment.astimezone(VN).isoformat(timespec="seconds")


def _month_end(month: date) -> datetime:
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime(nxt.year, nxt.month, 1, tzinfo=VN)


def generate_documents(seed: int, preset: Preset, commune: Commune, month: date) -> list[Document]:
    """The documents a commune's offices created in a month, as they stand at preset.as_of."""
    rng = rng_for(seed, "eoffice", "documents", commune.code, month.isoformat())
    level = adoption(seed, commune, month)
    start = datetime(month.year, month.month, 1, tzinfo=VN)
    seconds = int((_month_end(month) - start).total_seconds())
    mean = DOCUMENTS_PER_COMMUNE_MONTH * preset.volume_scale * (0.6 + 0.8 * rng.random())
    count = max(1, round(rng.gauss(mean, mean**0.5)))
    legacy = load_geography().legacy_members.get(commune.code) or (commune.code,)
    documents = []
    for number in range(1, count + 1):
        created = start + timedelta(seconds=rng.randrange(seconds))
        electronic = rng.random() < 0.35 + 0.64 * level
        signed = electronic and rng.random() < 0.2 + 0.79 * level
        due = created + timedelta(days=rng.randint(3, 15))
        if rng.random() < 0.55 + 0.4 * level:  # handled on time
            completed = created + (due - created) * rng.uniform(0.1, 1.0)
        else:
            completed = due + timedelta(days=rng.uniform(0.5, 40))
        if completed >= preset.as_of:
            completed = None
        org_code = rng.choice(legacy) if created < MERGER_AT else commune.code
        updated = completed or created
        record = {
            "id": f"VB{month:%Y%m}-{commune.code}-{number:05d}",
            "orgCode": org_code,
            "direction": "out" if rng.random() < 0.45 else "in",
            "transmission": "electronic" if electronic else "paper",
            "digitallySigned": signed,
            "createdAt": _iso(created),
            "dueAt": _iso(due),
            "completedAt": _iso(completed) if completed else None,
            "status": "completed" if completed else "processing",
            "updatedAt": _iso(updated),
        }
        documents.append(Document(record, commune.code, created, updated))
    return documents


class DocumentStore:
    """Documents of the preset, generated per commune and month on demand.

    Only a bounded number of commune-months and query windows are kept in memory.
    """

    def __init__(self, seed: int, preset: Preset, cache_size: int = 512):
        self.seed, self.preset = seed, preset
        self.communes = preset.communes()
        self._months: OrderedDict[tuple[str, date], list[Document]] = OrderedDict()
        self._windows: OrderedDict[tuple[datetime, datetime], list[Document]] = OrderedDict()
        self.cache_size = cache_size

    def of_commune_month(self, commune: Commune, month: date) -> list[Document]:
        key = (commune.code, month)
        if key in self._months:
            self._months.move_to_end(key)
            return self._months[key]
        docs = generate_documents(self.seed, self.preset, commune, month)
        self._months[key] = docs
        if len(self._months) > self.cache_size:
            self._months.popitem(last=False)
        return docs

    def all_of_month(self, month: date) -> list[Document]:
        return [d for c in self.communes for d in self.of_commune_month(c, month)]

    def updated_between(self, start: datetime, end: datetime) -> list[Document]:
        """Documents whose last change falls in [start, end), ordered by (updatedAt, id)."""
        key = (start, end)
        if key in self._windows:
            return self._windows[key]
        months = [
            m
            for m in self.preset.months()
            if _month_end(m) > start - MAX_PROCESSING and datetime(m.year, m.month, 1, tzinfo=VN) < end
        ]
        found = [
            d
            for m in months
            for c in self.communes
            for d in self.of_commune_month(c, m)
            if start <= d.updated_at < end
        ]
        found.sort(key=lambda d: (d.updated_at, d.record["id"]))
        self._windows[key] = found
        if len(self._windows) > 32:
            self._windows.popitem(last=False)
        return found


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message})


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def _parse_time(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", f"{name} must be ISO 8601, got {value!r}") from exc
    if moment.tzinfo is None:
        raise ApiError(400, "invalid_parameter", f"{name} must carry a UTC offset, e.g. +07:00")
    return moment


def create_app(store: DocumentStore, api_key: str) -> FastAPI:
    app = FastAPI(
        title="QLVB e-office API (simulator)",
        version="1.0",
        description="Documents exchanged by the agencies and communes of the province.",
        docs_url=None,
        redoc_url=None,
    )
    header = APIKeyHeader(
        name="X-API-Key", auto_error=False, description="The API key issued to the integration"
    )

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return _error(400, "invalid_parameter", problems)

    def authorised(key: Annotated[str | None, Depends(header)]) -> None:
        if key is None:
            raise ApiError(401, "missing_api_key", "send the API key in the X-API-Key header")
        if key != api_key:
            raise ApiError(403, "invalid_api_key", "the API key is not valid")

    @app.get(
        "/api/v1/documents",
        dependencies=[Depends(authorised)],
        summary="Documents changed in a time window",
        responses={200: {"description": "One page of documents: {total, offset, limit, items}"}},
    )
    def documents(
        updated_from: Annotated[str, Query(description="inclusive, ISO 8601 with offset")],
        updated_to: Annotated[str, Query(description="exclusive, ISO 8601 with offset")],
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> Response:
        start, end = (
            _parse_time("updated_from", updated_from),
            _parse_time("updated_to", updated_to),
        )
        if end <= start:
            raise ApiError(400, "invalid_parameter", "updated_to must be after updated_from")
        found = store.updated_between(start, end)
        items = [d.record for d in found[offset : offset + limit]]
        body = {"total": len(found), "offset": offset, "limit": limit, "items": items}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    return app
