"""Volumes and shares the simulators are anchored on, with where each figure comes from.

"Seeds" are the articles in shared/seeds/ (Yên Bái, Thái Nguyên, Hà Tĩnh, Nghệ An,
2021-2023). Volumes are per person or household so that they scale with each commune's
population (reference.commune_population); a preset's volume_scale multiplies them.
"""

from __future__ import annotations

# E-office: Thái Nguyên exchanged ~1.9 million documents a year for ~1.3 million people
# (0.12 per person-month across all levels of government); communes handle about a third.
DOCUMENTS_PER_PERSON_MONTH = 0.035
# Officials with accounts per commune (commune staff after the 2025 reform: 20-40).
OFFICIALS_BASE = 12
OFFICIALS_PER_1000_PEOPLE = 1.2

# Public-service portal: "tens of thousands of applications a month" for a province.
APPLICATIONS_PER_PERSON_MONTH = 0.02
RATED_SHARE = 0.35  # applications with a result that the citizen rates
PROCEDURES_PER_PROVINCE = 1800  # a province's catalogue of administrative procedures

# E-commerce: Thái Nguyên (~370,000 households) had ~2,100 shops with ~3,300 products,
# ~76,700 households with buyer accounts (21%) and ~2,100 with payment accounts (0.6%).
SHOPS_PER_HOUSEHOLD_AT_FULL_ADOPTION = 0.012  # ~6 per 1000 households at level 0.5
PRODUCTS_PER_SHOP = 1.6
BUYER_SHARE_AT_FULL_ADOPTION = 0.40  # ~21% of households at level 0.5
WALLET_SHARE_AT_FULL_ADOPTION = 0.012  # ~0.6% of households at level 0.5
POSTMART_SHARE = 0.6  # shops on Postmart; the rest on Voso
# Tú Lệ: 15 products, ~100 orders, ~15 million VND: ~150,000 VND an order.
ORDERS_PER_SHOP_MONTH_AT_FULL_ADOPTION = 6.0
PRODUCT_PRICE_VND = (30_000, 400_000)

# Party-member handbook: Yên Bái (~830,000 people) had 50,772 members in 2,910 cells;
# its pilot reached 1,292 cells (44.4%) and 28,239 members (55.6%).
MEMBERS_PER_PERSON = 0.061
MEMBERS_PER_CELL = 17.4

# Average household size (2019 census: 3.5 persons), for households where only the
# population is published.
HOUSEHOLD_SIZE = 3.5
