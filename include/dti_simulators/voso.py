"""Voso simulator (Viettel's e-commerce platform).

Contract (docs/source-contracts.md §4): HMAC-signed requests; `next` links; epoch
milliseconds; money as decimal strings; English snake_case; places by NAMES as sellers
type them (placenames.py), never codes. Listings filter by change (updated_after/
updated_before) and creation (created_after/created_before) windows.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations.
import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.security import APIKeyHeader

from dti_simulators import names
from dti_simulators.ecommerce import HouseholdAccount, MarketEntities, Order, Product, Shop
from dti_simulators.faults import EntityShape, FaultPlan, Manifest
from dti_simulators.geography import load_geography
from dti_simulators.httpkit import (
    ApiError,
    json_content,
    json_response,
    new_app,
    object_schema,
    query_window,
)
from dti_simulators.paging import decode_cursor, encode_cursor
from dti_simulators.placenames import voso_place
from dti_simulators.presets import Preset
from dti_simulators.randomness import rng_for
from dti_simulators.timefmt import epoch_ms, from_epoch_ms

MAX_LIMIT = 250
MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
BAD_TIME = "2025-02-31 25:61"

SHAPES = {
    "shops": EntityShape(
        "voso",
        "shops",
        "shop_id",
        "created_at",
        BAD_TIME,
        "commune",
        "Xã Không Có",
        text_field="name",
        required_field="commune",
    ),
    "products": EntityShape(
        "voso",
        "products",
        "product_id",
        "created_at",
        BAD_TIME,
        None,
        amount_field="price",
        amount_as_text=True,
        text_field="title",
        required_field="shop_id",
    ),
    "orders": EntityShape(
        "voso",
        "orders",
        "order_id",
        "placed_at",
        BAD_TIME,
        None,
        amount_field="amount",
        amount_as_text=True,
        text_field="shop_id",
        required_field="shop_id",
    ),
    "households": EntityShape(
        "voso",
        "users",
        "user_id",
        "buyer_since",
        BAD_TIME,
        "commune",
        "Xã Không Có",
        text_field="household_ref",
        required_field="commune",
    ),
}
PATHS = {"shops": "shops", "products": "products", "orders": "orders", "households": "users"}
# The field holding each record's creation time, which created_after/created_before filter on.
CREATED_FIELDS = {
    "shops": "created_at",
    "products": "created_at",
    "orders": "placed_at",
    "households": "buyer_since",
}
MAX_MS = 10**14  # the largest epoch-ms filter value accepted (about the year 5138)


def sign(secret: str, method: str, path_with_query: str, timestamp: str) -> str:
    """The signature the contract asks for: lower-case hex HMAC-SHA256 of METHOD, PATH?QUERY, TIMESTAMP."""
    message = f"{method.upper()}\n{path_with_query}\n{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def shop_id(shop: Shop) -> str:
    return f"vs-{shop.commune_code}-{shop.shop_no:05d}"


def money(vnd: int) -> str:
    return f"{vnd:.2f}"


def mappers(seed: int) -> dict:
    geo = load_geography()

    def shop(s: Shop) -> dict:
        province, commune = voso_place(
            geo.communes[s.commune_code], s.created_at, rng_for(seed, "voso", shop_id(s))
        )
        return {
            "shop_id": shop_id(s),
            "name": names.shop(rng_for(s.name_draw), geo.communes[s.commune_code].short_name),
            "household_ref": s.household_code,
            "province": province,
            "commune": commune,
            "status": "suspended" if s.suspended_at else "active",
            "created_at": epoch_ms(s.created_at),
            "suspended_at": epoch_ms(s.suspended_at) if s.suspended_at else None,
            "updated_at": epoch_ms(s.suspended_at or s.created_at),
        }

    def product(p: Product) -> dict:
        return {
            "product_id": f"vp-{p.shop.commune_code}-{p.product_no:06d}",
            "shop_id": shop_id(p.shop),
            "title": names.product(rng_for(p.name_draw)),
            "price": money(p.price_vnd),
            "listed": p.delisted_at is None,
            "created_at": epoch_ms(p.created_at),
            "delisted_at": epoch_ms(p.delisted_at) if p.delisted_at else None,
            "updated_at": epoch_ms(p.delisted_at or p.created_at),
        }

    def order(o: Order) -> dict:
        return {
            "order_id": f"vo-{o.placed_at:%Y%m}-{o.shop.commune_code}-{o.order_no:06d}",
            "shop_id": shop_id(o.shop),
            "amount": money(o.amount_vnd),
            "state": o.state,
            "placed_at": epoch_ms(o.placed_at),
            "delivered_at": epoch_ms(o.completed_at) if o.completed_at else None,
            "updated_at": epoch_ms(o.updated_at),
        }

    def user(a: HouseholdAccount) -> dict:
        province, commune = voso_place(
            geo.communes[a.commune_code], a.buyer_since, rng_for(seed, "voso", a.household_code)
        )
        return {
            "user_id": f"vu-{a.household_code[3:]}",
            "household_ref": a.household_code,
            "province": province,
            "commune": commune,
            "is_buyer": True,
            "has_wallet": a.wallet_since is not None,
            "buyer_since": epoch_ms(a.buyer_since),
            "wallet_since": epoch_ms(a.wallet_since) if a.wallet_since else None,
            "updated_at": epoch_ms(a.updated_at),
        }

    return {"shops": shop, "products": product, "orders": order, "households": user}


class VosoData(MarketEntities):
    def __init__(
        self, seed: int, preset: Preset, plan: FaultPlan | None = None, manifest: Manifest | None = None
    ):
        super().__init__(seed, preset, "voso", SHAPES, mappers(seed), plan, manifest)


MS = {"type": "integer", "description": "epoch milliseconds"}
NULLABLE_MS = {"anyOf": [MS, {"type": "null"}]}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "VND as a decimal string"}
PLACE = {"type": "string", "description": "a name as the seller typed it (any spelling, maybe a legacy name)"}
SCHEMAS = {
    "shops": object_schema(
        {
            "shop_id": {"type": "string"},
            "name": {"type": "string"},
            "household_ref": {"type": "string"},
            "province": PLACE,
            "commune": PLACE,
            "status": {"type": "string", "enum": ["active", "suspended"]},
            "created_at": MS,
            "suspended_at": {**NULLABLE_MS, "description": "null while active"},
            "updated_at": MS,
        }
    ),
    "products": object_schema(
        {
            "product_id": {"type": "string"},
            "shop_id": {"type": "string"},
            "title": {"type": "string"},
            "price": MONEY,
            "listed": {"type": "boolean"},
            "created_at": MS,
            "delisted_at": {**NULLABLE_MS, "description": "null while listed"},
            "updated_at": MS,
        }
    ),
    "orders": object_schema(
        {
            "order_id": {"type": "string"},
            "shop_id": {"type": "string"},
            "amount": MONEY,
            "state": {"type": "string", "enum": ["placed", "shipped", "delivered", "cancelled"]},
            "placed_at": MS,
            "delivered_at": NULLABLE_MS,
            "updated_at": MS,
        }
    ),
    "households": object_schema(
        {
            "user_id": {"type": "string"},
            "household_ref": {"type": "string"},
            "province": PLACE,
            "commune": PLACE,
            "is_buyer": {"type": "boolean"},
            "has_wallet": {"type": "boolean"},
            "buyer_since": MS,
            "wallet_since": NULLABLE_MS,
            "updated_at": MS,
        }
    ),
}


def _window(names: tuple[str, str], values: tuple[int | None, int | None]):
    return query_window(
        names, values, from_epoch_ms, error="invalid_parameter", expected="epoch milliseconds"
    )


def create_app(data: VosoData, key_id: str, secret: str, plan: FaultPlan | None = None) -> FastAPI:
    app = new_app(
        "Voso API (simulator)",
        "Shops, products, orders and users of Viettel's platform. Every request is signed with three "
        "headers: X-Voso-Key (the key id), X-Voso-Timestamp (epoch ms, within 5 minutes of now) and "
        "X-Voso-Signature = hex(HMAC-SHA256(secret, METHOD + '\\n' + PATH_WITH_QUERY + '\\n' + TIMESTAMP)), "
        "the 64 hex digits in lower case (upper case is accepted too). "
        "Follow `next` as given; places are names, not codes.",
        auth_errors={
            401: "missing_signature (a signing header is missing) or stale_timestamp (X-Voso-Timestamp "
            "not within 5 minutes of now)",
            403: "unknown_key (X-Voso-Key) or bad_signature (X-Voso-Signature does not match the request)",
        },
    )
    key_header = APIKeyHeader(
        name="X-Voso-Key", scheme_name="VosoKey", auto_error=False, description="the key id"
    )
    stamp_header = APIKeyHeader(
        name="X-Voso-Timestamp",
        scheme_name="VosoTimestamp",
        auto_error=False,
        description="epoch milliseconds, within 5 minutes of now (else 401 stale_timestamp)",
    )
    signature_header = APIKeyHeader(
        name="X-Voso-Signature",
        scheme_name="VosoSignature",
        auto_error=False,
        description="hex HMAC-SHA256(secret, METHOD + '\\n' + PATH_WITH_QUERY + '\\n' + TIMESTAMP), "
        "lower case (upper case accepted)",
    )

    def authorised(
        request: Request,
        key: Annotated[str | None, Depends(key_header)],
        stamp: Annotated[str | None, Depends(stamp_header)],
        signature: Annotated[str | None, Depends(signature_header)],
    ) -> None:
        if not key or not stamp or not signature:
            raise ApiError(401, "missing_signature", "send X-Voso-Key, X-Voso-Timestamp and X-Voso-Signature")
        if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > MAX_CLOCK_SKEW_MS:
            raise ApiError(
                401, "stale_timestamp", "X-Voso-Timestamp must be within 5 minutes of now (epoch ms)"
            )
        if key != key_id:
            raise ApiError(403, "unknown_key", "unknown key id")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        expected = sign(secret, request.method, target, stamp)
        # hex digits of either case: lower case is what sign() writes, upper case is accepted too
        if not signature.isascii() or not hmac.compare_digest(signature.lower(), expected):
            raise ApiError(403, "bad_signature", "the signature does not match the request")

    def register(kind: str) -> None:
        entity, path = data.entities[kind], f"/v2/{PATHS[kind]}"
        body = object_schema(
            {
                "items": {"type": "array", "items": SCHEMAS[kind]},
                "next": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            }
        )

        created_field = CREATED_FIELDS[kind]

        @app.get(
            path,
            dependencies=[Depends(authorised)],
            summary=f"{PATHS[kind].capitalize()} by change or creation window",
            description=f"Records whose updated_at is in [updated_after, updated_before) and whose "
            f"{created_field} (the creation) is in [created_after, created_before); every bound is optional "
            "(a side not given is open; no window at all: every record). Oldest first: by "
            f"{created_field} when a creation bound is given, else by updated_at (then the id).",
            responses={200: json_content(body, "One page; follow `next` (a path with query) until null")},
            name=kind,
        )
        def listing(
            updated_after: Annotated[
                int | None, Query(ge=0, le=MAX_MS, description="inclusive, on updated_at; epoch ms")
            ] = None,
            updated_before: Annotated[
                int | None, Query(ge=0, le=MAX_MS, description="exclusive, on updated_at; epoch ms")
            ] = None,
            created_after: Annotated[
                int | None, Query(ge=0, le=MAX_MS, description=f"inclusive, on {created_field}; epoch ms")
            ] = None,
            created_before: Annotated[
                int | None, Query(ge=0, le=MAX_MS, description=f"exclusive, on {created_field}; epoch ms")
            ] = None,
            limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
            page_token: Annotated[str | None, Query(description="from a `next` link")] = None,
        ):
            filters = {
                name: value
                for name, value in (
                    ("updated_after", updated_after),
                    ("updated_before", updated_before),
                    ("created_after", created_after),
                    ("created_before", created_before),
                )
                if value is not None
            }
            changed = _window(("updated_after", "updated_before"), (updated_after, updated_before))
            created = _window(("created_after", "created_before"), (created_after, created_before))
            query = f"{kind}:{sorted(filters.items())}"
            position = decode_cursor(page_token, query, "page_token") if page_token else 0
            found = entity.select(created=created, changed=changed)
            items = [r.record for r in found[position : position + limit]]
            if plan is not None:
                items = plan.page(items)
            after = position + limit
            link = None
            if after < len(found):
                # the next link repeats the query's own filters, so it is signed like any request
                params = {**filters, "limit": limit, "page_token": encode_cursor(after, query)}
                link = f"{path}?{urlencode(params)}"
            return json_response({"items": items, "next": link})

    for kind in PATHS:
        register(kind)
    return app
