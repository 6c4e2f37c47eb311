"""The e-commerce world both platforms (Postmart, Voso) sell in: shops, products, orders
and households with buyer and payment accounts, per commune.

Long-lived things (shops, products, household accounts) come from a stock that follows
adoption: the k-th shop of a commune opens in the first month its target passes k, so
stocks grow month by month; the stock that exists when the data begins is created in the
preset's first month (the platforms' data starts there). A thing changes at most once
after creation (a shop suspended, a product delisted, a wallet opened), so its state at
the end of any month follows from its last record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dti_simulators import anchors
from dti_simulators.geography import Commune
from dti_simulators.presets import Preset
from dti_simulators.randomness import rng_for
from dti_simulators.reference import commune_population
from dti_simulators.store import LruCache
from dti_simulators.timefmt import month_end, month_of, month_start, seconds_in
from dti_simulators.world import adoption

PLATFORMS = ("postmart", "voso")
MAX_DELIVERY = timedelta(days=21)


def whole(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Shop:
    shop_no: int
    commune_code: str
    platform: str
    household_code: str
    created_at: datetime
    suspended_at: datetime | None
    name_draw: int


@dataclass(frozen=True)
class Product:
    product_no: int
    shop: Shop
    created_at: datetime
    delisted_at: datetime | None
    price_vnd: int
    name_draw: int


@dataclass(frozen=True)
class Order:
    order_no: int
    shop: Shop
    amount_vnd: int
    placed_at: datetime
    state: str  # moi/placed, dang_giao/shipped, hoan_thanh/delivered, da_huy/cancelled
    completed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class HouseholdAccount:
    household_code: str
    commune_code: str
    platform: str
    buyer_since: datetime
    wallet_since: datetime | None

    @property
    def updated_at(self) -> datetime:
        return self.wallet_since or self.buyer_since


def household_code(commune: Commune, number: int) -> str:
    return f"HGD{commune.code}{number:06d}"


def _opening_times(seed: int, preset: Preset, commune: Commune, stock: str, cap: float, pillar: str):
    """Creation time of each item of a stock that follows adoption (None: not yet open)."""
    rng = rng_for(seed, "ecommerce", stock, commune.code)
    months = preset.months()
    targets = [cap * adoption(seed, commune, m, pillar) for m in months]
    times = []
    for k in range(math.ceil(max(targets, default=0))):
        month = next((m for m, t in zip(months, targets, strict=True) if t > k), None)
        draw = rng.random()
        if month is None:
            times.append(None)
            continue
        times.append(whole(month_start(month) + timedelta(seconds=draw * seconds_in(month))))
    return times


class CommuneMarket:
    """Everything both platforms hold for one commune, generated once and cached."""

    def __init__(self, seed: int, preset: Preset, commune: Commune):
        self.seed, self.preset, self.commune = seed, preset, commune
        households = commune_population()[commune.code].households
        self.households = households
        self.shops = self._shops(
            households * anchors.SHOPS_PER_HOUSEHOLD_AT_FULL_ADOPTION * preset.volume_scale
        )
        self.products = self._products()
        self.accounts = self._accounts(households)

    def _shops(self, cap: float) -> list[Shop]:
        rng = rng_for(self.seed, "ecommerce", "shops", self.commune.code)
        shops = []
        for number, created in enumerate(
            _opening_times(self.seed, self.preset, self.commune, "shops", cap, "econ"), 1
        ):
            platform = "postmart" if rng.random() < anchors.POSTMART_SHARE else "voso"
            household = household_code(self.commune, rng.randint(1, max(1, self.households)))
            suspended = None
            if rng.random() < 0.08:
                suspended = created + timedelta(days=rng.uniform(30, 400)) if created else None
            if created is None:
                continue
            if suspended is not None and suspended >= self.preset.as_of:
                suspended = None
            shops.append(
                Shop(
                    number,
                    self.commune.code,
                    platform,
                    household,
                    created,
                    suspended and whole(suspended),
                    rng.randrange(10**6),
                )
            )
        return shops

    def _products(self) -> list[Product]:
        products = []
        for shop in self.shops:
            rng = rng_for(self.seed, "ecommerce", "products", self.commune.code, shop.shop_no)
            count = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
            for _ in range(count):
                created = whole(shop.created_at + timedelta(days=rng.uniform(0, 20)))
                delisted = (
                    whole(created + timedelta(days=rng.uniform(20, 300))) if rng.random() < 0.1 else None
                )
                price = int(round(rng.uniform(*anchors.PRODUCT_PRICE_VND), -3))
                if created >= self.preset.as_of:
                    continue
                if delisted is not None and delisted >= self.preset.as_of:
                    delisted = None
                products.append(
                    Product(len(products) + 1, shop, created, delisted, price, rng.randrange(10**6))
                )
        return products

    def _accounts(self, households: int) -> list[HouseholdAccount]:
        scale = self.preset.volume_scale
        buyers = _opening_times(
            self.seed,
            self.preset,
            self.commune,
            "buyers",
            households * anchors.BUYER_SHARE_AT_FULL_ADOPTION * scale,
            "soc",
        )
        wallets = _opening_times(
            self.seed,
            self.preset,
            self.commune,
            "wallets",
            households * anchors.WALLET_SHARE_AT_FULL_ADOPTION * scale,
            "econ",
        )
        rng = rng_for(self.seed, "ecommerce", "accounts", self.commune.code)
        accounts = []
        for number, buyer in enumerate(buyers, 1):
            on_postmart, on_voso = rng.random() < 0.65, rng.random() < 0.5
            second_delay = timedelta(days=rng.uniform(0, 200))
            wallet = wallets[number - 1] if number <= len(wallets) else None
            if buyer is None:
                continue
            code = household_code(self.commune, number)
            platforms = [p for p, on in zip(PLATFORMS, (on_postmart, on_voso), strict=True) if on] or [
                "postmart"
            ]
            for index, platform in enumerate(platforms):
                since = buyer if index == 0 else whole(buyer + second_delay)
                if since >= self.preset.as_of:
                    continue
                opened = max(wallet, since) if (wallet is not None and index == 0) else None
                accounts.append(HouseholdAccount(code, self.commune.code, platform, since, opened))
        return accounts

    def orders(self, month: date) -> list[Order]:
        """Orders placed in a month with the shops of this commune, as they stand at as-of."""
        rng = rng_for(self.seed, "ecommerce", "orders", self.commune.code, month.isoformat())
        level = adoption(self.seed, self.commune, month, "econ")
        start, end = month_start(month), month_end(month)
        listed = {}
        for product in self.products:
            listed.setdefault(product.shop.shop_no, []).append(product)
        orders = []
        for shop in self.shops:
            opened = max(shop.created_at, start)
            closes = min(shop.suspended_at or end, end)
            if opened >= closes:
                continue
            share = (closes - opened) / (end - start)
            mean = anchors.ORDERS_PER_SHOP_MONTH_AT_FULL_ADOPTION * level * share
            prices = [p.price_vnd for p in listed.get(shop.shop_no, [])] or [100_000]
            for _ in range(_poisson(rng, mean)):
                placed = whole(opened + (closes - opened) * rng.random())
                amount = rng.choice(prices) * rng.randint(1, 3)
                fate = rng.random()
                if fate < 0.08:
                    state, completed, changed = (
                        "cancelled",
                        None,
                        whole(placed + timedelta(hours=rng.uniform(1, 48))),
                    )
                else:
                    days = rng.uniform(1, 7) if fate < 0.9 else rng.uniform(7, 20)
                    state, completed = "delivered", whole(placed + timedelta(days=days))
                    changed = completed
                if changed >= self.preset.as_of:
                    shipped = whole(placed + timedelta(hours=20))
                    state, completed = ("shipped", None) if shipped < self.preset.as_of else ("placed", None)
                    changed = shipped if state == "shipped" else placed
                orders.append(Order(len(orders) + 1, shop, amount, placed, state, completed, changed))
        return orders


def _poisson(rng, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


_MARKETS = LruCache(1024)


def market(seed: int, preset: Preset, commune: Commune) -> CommuneMarket:
    return _MARKETS.get_or_make(
        (seed, preset.name, commune.code), lambda: CommuneMarket(seed, preset, commune)
    )


def created_in(moment: datetime, month: date) -> bool:
    return month_of(moment) == month


class MarketEntities:
    """The four incremental entities of one platform, mapped to its contract by `to_record`.

    to_record has one function per entity (shops, products, orders, households) taking
    the world object and returning the served dict.
    """

    def __init__(
        self,
        seed: int,
        preset: Preset,
        platform: str,
        shapes: dict,
        to_record: dict,
        plan=None,
        manifest=None,
    ):
        from dti_simulators.store import Entity, Record

        communes, months = preset.communes(), preset.months()

        def make(kind: str, items, created, updated):
            def generate(commune: Commune, month: date) -> list[Record]:
                found = [
                    x for x in items(market(seed, preset, commune), month) if month_of(created(x)) == month
                ]
                found.sort(key=created)
                return [Record(to_record[kind](x), commune.code, created(x), updated(x)) for x in found]

            return generate

        mine = lambda xs: [x for x in xs if getattr(x, "platform", None) == platform]  # noqa: E731
        specs = {
            "shops": (
                lambda mk, m: mine(mk.shops),
                lambda s: s.created_at,
                lambda s: s.suspended_at or s.created_at,
                None,
            ),
            "products": (
                lambda mk, m: [p for p in mk.products if p.shop.platform == platform],
                lambda p: p.created_at,
                lambda p: p.delisted_at or p.created_at,
                None,
            ),
            "orders": (
                lambda mk, m: [o for o in mk.orders(m) if o.shop.platform == platform],
                lambda o: o.placed_at,
                lambda o: o.updated_at,
                MAX_DELIVERY,
            ),
            "households": (
                lambda mk, m: mine(mk.accounts),
                lambda a: a.buyer_since,
                lambda a: a.updated_at,
                None,
            ),
        }
        self.entities = {
            kind: Entity(
                shapes[kind],
                make(kind, items, created, updated),
                communes,
                months,
                max_lag=lag,
                plan=plan,
                manifest=manifest,
            )
            for kind, (items, created, updated, lag) in specs.items()
        }
