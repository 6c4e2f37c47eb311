"""Postmart simulator (Vietnam Post's e-commerce platform).

Contract (docs/source-contracts.md §3): a long-lived bearer token; page numbers (`trang`,
`so_ban_ghi`); 429 with Retry-After when called faster than the configured rate;
Vietnamese snake_case without diacritics; times ISO 8601 UTC with Z; ma_xa/ma_tinh codes.
Listings filter by change (tu_ngay/den_ngay) and creation (tao_tu_ngay/tao_den_ngay) windows.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations.
import math
import threading
import time
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
from dti_simulators.paging import page_count
from dti_simulators.presets import MERGER_AT, Preset
from dti_simulators.randomness import rng_for
from dti_simulators.store import Record
from dti_simulators.timefmt import iso_utc, parse_iso_with_offset
from dti_simulators.units import legacy_of

MAX_PAGE_SIZE = 200
DEFAULT_RATE_LIMIT = 50.0  # requests per second
BAD_TIME = "2025-02-31T25:61:00Z"

SHAPES = {
    "shops": EntityShape(
        "postmart",
        "shops",
        "ma_gian_hang",
        "ngay_tao",
        BAD_TIME,
        "ma_xa",
        "99999",
        text_field="ten_gian_hang",
        required_field="ma_xa",
    ),
    "products": EntityShape(
        "postmart",
        "products",
        "ma_san_pham",
        "ngay_tao",
        BAD_TIME,
        None,
        amount_field="gia_ban",
        text_field="ten_san_pham",
        required_field="ma_gian_hang",
    ),
    "orders": EntityShape(
        "postmart",
        "orders",
        "ma_don_hang",
        "ngay_dat",
        BAD_TIME,
        "ma_xa",
        "99999",
        amount_field="tong_tien",
        text_field="ma_gian_hang",
        required_field="ma_xa",
    ),
    "households": EntityShape(
        "postmart",
        "households",
        "ma_ho",
        "ngay_mo_tai_khoan_mua",
        BAD_TIME,
        "ma_xa",
        "99999",
        required_field="ma_xa",
    ),
}
PATHS = {"shops": "gian-hang", "products": "san-pham", "orders": "don-hang", "households": "ho-gia-dinh"}
# The field holding each record's creation time, which tao_tu_ngay/tao_den_ngay filter on.
CREATED_FIELDS = {
    "shops": "ngay_tao",
    "products": "ngay_tao",
    "orders": "ngay_dat",
    "households": "ngay_mo_tai_khoan_mua",
}


def _commune_code(seed: int, commune_code: str, salt: object, moment: datetime) -> str:
    """The code a record created at `moment` names: a legacy member before the merger."""
    if moment >= MERGER_AT:
        return commune_code
    commune = load_geography().communes[commune_code]
    return rng_for(seed, "postmart", "unit", salt).choice(legacy_of(commune))


def _province(commune_code: str) -> str:
    geo = load_geography()
    unit = geo.communes.get(commune_code) or geo.legacy_communes[commune_code]
    return unit.province_code


def shop_id(shop: Shop) -> str:
    return f"GH{shop.commune_code}{shop.shop_no:05d}"


def mappers(seed: int) -> dict:
    def shop(s: Shop) -> dict:
        code = _commune_code(seed, s.commune_code, shop_id(s), s.created_at)
        return {
            "ma_gian_hang": shop_id(s),
            "ten_gian_hang": names.shop(
                rng_for(s.name_draw), load_geography().communes[s.commune_code].short_name
            ),
            "ma_ho": s.household_code,
            "ma_xa": code,
            "ma_tinh": _province(code),
            "trang_thai": "tam_dung" if s.suspended_at else "hoat_dong",
            "ngay_tao": iso_utc(s.created_at),
            "ngay_tam_dung": iso_utc(s.suspended_at) if s.suspended_at else None,
            "ngay_cap_nhat": iso_utc(s.suspended_at or s.created_at),
        }

    def product(p: Product) -> dict:
        return {
            "ma_san_pham": f"SP{p.shop.commune_code}{p.product_no:06d}",
            "ma_gian_hang": shop_id(p.shop),
            "ten_san_pham": names.product(rng_for(p.name_draw)),
            "gia_ban": p.price_vnd,
            "trang_thai": "ngung_ban" if p.delisted_at else "dang_ban",
            "ngay_tao": iso_utc(p.created_at),
            "ngay_ngung_ban": iso_utc(p.delisted_at) if p.delisted_at else None,
            "ngay_cap_nhat": iso_utc(p.delisted_at or p.created_at),
        }

    def order(o: Order) -> dict:
        states = {"placed": "moi", "shipped": "dang_giao", "delivered": "hoan_thanh", "cancelled": "da_huy"}
        return {
            "ma_don_hang": f"DH{o.placed_at:%Y%m}{o.shop.commune_code}{o.order_no:06d}",
            "ma_gian_hang": shop_id(o.shop),
            "ma_xa": _commune_code(seed, o.shop.commune_code, shop_id(o.shop), o.placed_at),
            "tong_tien": o.amount_vnd,
            "trang_thai": states[o.state],
            "ngay_dat": iso_utc(o.placed_at),
            "ngay_hoan_thanh": iso_utc(o.completed_at) if o.completed_at else None,
            "ngay_cap_nhat": iso_utc(o.updated_at),
        }

    def household(a: HouseholdAccount) -> dict:
        return {
            "ma_ho": a.household_code,
            "ma_xa": _commune_code(seed, a.commune_code, a.household_code, a.buyer_since),
            "tai_khoan_mua": True,
            "tai_khoan_thanh_toan": a.wallet_since is not None,
            "ngay_mo_tai_khoan_mua": iso_utc(a.buyer_since),
            "ngay_mo_thanh_toan": iso_utc(a.wallet_since) if a.wallet_since else None,
            "ngay_cap_nhat": iso_utc(a.updated_at),
        }

    return {"shops": shop, "products": product, "orders": order, "households": household}


class PostmartData(MarketEntities):
    def __init__(
        self, seed: int, preset: Preset, plan: FaultPlan | None = None, manifest: Manifest | None = None
    ):
        super().__init__(seed, preset, "postmart", SHAPES, mappers(seed), plan, manifest)


class RateLimiter:
    """A token bucket: `rate` requests a second with bursts of up to `rate` requests."""

    def __init__(self, rate: float):
        self.rate, self.tokens, self.at = rate, rate, time.monotonic()
        self._lock = threading.Lock()

    def wait_needed(self) -> float:
        """0 when the request may go now (and is counted); else seconds to wait."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


UTC_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", "description": "UTC"}
NULLABLE_UTC = {"anyOf": [UTC_TIME, {"type": "null"}]}
SCHEMAS = {
    "shops": object_schema(
        {
            "ma_gian_hang": {"type": "string"},
            "ten_gian_hang": {"type": "string"},
            "ma_ho": {"type": "string", "description": "national household code (HGD + commune + 6 digits)"},
            "ma_xa": {"type": "string", "description": "5-digit commune code (legacy before 1 July 2025)"},
            "ma_tinh": {"type": "string"},
            "trang_thai": {"type": "string", "enum": ["hoat_dong", "tam_dung"]},
            "ngay_tao": UTC_TIME,
            "ngay_tam_dung": {**NULLABLE_UTC, "description": "when it was suspended; null while active"},
            "ngay_cap_nhat": UTC_TIME,
        }
    ),
    "products": object_schema(
        {
            "ma_san_pham": {"type": "string"},
            "ma_gian_hang": {"type": "string"},
            "ten_san_pham": {"type": "string"},
            "gia_ban": {"type": "integer", "description": "VND"},
            "trang_thai": {"type": "string", "enum": ["dang_ban", "ngung_ban"]},
            "ngay_tao": UTC_TIME,
            "ngay_ngung_ban": {**NULLABLE_UTC, "description": "when it was delisted; null while on sale"},
            "ngay_cap_nhat": UTC_TIME,
        }
    ),
    "orders": object_schema(
        {
            "ma_don_hang": {"type": "string"},
            "ma_gian_hang": {"type": "string"},
            "ma_xa": {"type": "string", "description": "the shop's commune"},
            "tong_tien": {"type": "integer", "description": "VND"},
            "trang_thai": {"type": "string", "enum": ["moi", "dang_giao", "hoan_thanh", "da_huy"]},
            "ngay_dat": UTC_TIME,
            "ngay_hoan_thanh": NULLABLE_UTC,
            "ngay_cap_nhat": UTC_TIME,
        }
    ),
    "households": object_schema(
        {
            "ma_ho": {"type": "string"},
            "ma_xa": {"type": "string"},
            "tai_khoan_mua": {"type": "boolean"},
            "tai_khoan_thanh_toan": {"type": "boolean"},
            "ngay_mo_tai_khoan_mua": UTC_TIME,
            "ngay_mo_thanh_toan": NULLABLE_UTC,
            "ngay_cap_nhat": UTC_TIME,
        }
    ),
}
SUMMARIES = {
    "shops": "Shops (gian hàng) by change or creation window",
    "products": "Products (sản phẩm) by change or creation window",
    "orders": "Orders (đơn hàng) by change or order-time window",
    "households": "Households with buyer or payment accounts, by change or account-opening window",
}


def _window(names: tuple[str, str], values: tuple[str | None, str | None]):
    return query_window(
        names, values, parse_iso_with_offset, error="invalid_parameter", expected="ISO 8601 with an offset"
    )


def create_app(
    data: PostmartData, token: str, plan: FaultPlan | None = None, rate_limit: float = DEFAULT_RATE_LIMIT
) -> FastAPI:
    app = new_app(
        "Postmart API (simulator)",
        "Shops, products, orders and household accounts of Vietnam Post's platform. "
        f"Bearer token; page numbers; at most {rate_limit:g} requests a second (then 429 with Retry-After).",
        auth_errors={
            401: "chua_xac_thuc: no 'Authorization: Bearer <token>'",
            403: "token_khong_hop_le: a wrong token",
        },
        extra_errors={
            429: {
                "description": "qua_nhieu_yeu_cau: too many requests; wait Retry-After seconds",
                "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
            }
        },
    )
    bearer = HTTPBearer(auto_error=False, description="the long-lived token issued to the integration")
    limiter = RateLimiter(rate_limit)

    def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if credentials is None:
            raise ApiError(401, "chua_xac_thuc", "send Authorization: Bearer <token>")
        if credentials.credentials != token:
            raise ApiError(403, "token_khong_hop_le", "the token is not valid")
        wait = limiter.wait_needed()
        if wait > 0:
            raise ApiError(
                429, "qua_nhieu_yeu_cau", "too many requests", {"Retry-After": str(math.ceil(wait))}
            )

    def register(kind: str) -> None:
        entity = data.entities[kind]
        body = object_schema(
            {
                "du_lieu": {"type": "array", "items": SCHEMAS[kind]},
                "trang": {"type": "integer"},
                "so_ban_ghi": {"type": "integer"},
                "tong_so_trang": {"type": "integer"},
                "tong_so_ban_ghi": {"type": "integer"},
            }
        )

        created_field = CREATED_FIELDS[kind]

        @app.get(
            f"/api/v1/{PATHS[kind]}",
            dependencies=[Depends(authorised)],
            summary=SUMMARIES[kind],
            description=f"Records whose ngay_cap_nhat is in [tu_ngay, den_ngay) and whose {created_field} "
            "(the creation) is in [tao_tu_ngay, tao_den_ngay); every bound is optional (a side not given "
            "is open; no window at all: every record). Ordered by "
            f"{created_field} then key when a creation bound is given, else by ngay_cap_nhat then key.",
            responses={200: json_content(body, "One page")},
            name=kind,
        )
        def listing(
            tu_ngay: Annotated[
                str | None,
                Query(
                    description="inclusive, on ngay_cap_nhat; ISO 8601 with offset, e.g. 2025-07-01T00:00:00Z"
                ),
            ] = None,
            den_ngay: Annotated[
                str | None, Query(description="exclusive, on ngay_cap_nhat; ISO 8601 with offset")
            ] = None,
            tao_tu_ngay: Annotated[
                str | None, Query(description=f"inclusive, on {created_field}; ISO 8601 with offset")
            ] = None,
            tao_den_ngay: Annotated[
                str | None, Query(description=f"exclusive, on {created_field}; ISO 8601 with offset")
            ] = None,
            trang: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
            so_ban_ghi: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        ):
            changed = _window(("tu_ngay", "den_ngay"), (tu_ngay, den_ngay))
            created = _window(("tao_tu_ngay", "tao_den_ngay"), (tao_tu_ngay, tao_den_ngay))
            found: list[Record] = entity.select(created=created, changed=changed)
            first = (trang - 1) * so_ban_ghi
            items = [r.record for r in found[first : first + so_ban_ghi]]
            if plan is not None:
                items = plan.page(items)
            return json_response(
                {
                    "du_lieu": items,
                    "trang": trang,
                    "so_ban_ghi": so_ban_ghi,
                    "tong_so_trang": page_count(len(found), so_ban_ghi),
                    "tong_so_ban_ghi": len(found),
                }
            )

    for kind in PATHS:
        register(kind)
    return app
