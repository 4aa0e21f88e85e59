"""SMM catalog import and price sync from an upstream's ``services`` list.

Prices: an upstream quotes ``rate`` per 1000 in its currency with full precision ("0.27819"). It is
stored verbatim in ``smm_services.cost_rate``; the customer price ``rate_cents`` (panel currency, per
1000) is ``cost * exchange_rate * (1 + markup%)`` rounded half-up to the cent, and never below the
cost rounded *up* to the cent (nor below 1 cent).

- :func:`import_services` (``flashpanel smm services import-from``) creates or updates local services
  from the list, pricing each with the given markup. ``category`` filters the upstream categories;
  only ``Default``-type services (link + quantity, priced per 1000) are imported, others are skipped.
- :func:`sync_services` (the periodic loop) updates cost, min/max and flags of the services already
  imported, and disables those that vanished upstream. It leaves customer prices alone, except where
  the new cost would put a price below cost: that price is raised to keep its previous margin (or to
  the cost when no margin is known), and reported. It never lowers a price and never re-enables a
  service (the operator may have disabled it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from flashpanel.db.runner import Conn, Row, now
from flashpanel.errors import RuleViolation
from flashpanel.providers.base import UpstreamService
from flashpanel.wallet.money import to_cents

log = logging.getLogger("flashpanel.providers.catalog")

# Orders carry a link and a quantity, charged per 1000: only upstream services of this shape are
# imported (Package, Custom Comments, Subscriptions... need other parameters or a flat price).
IMPORTABLE_TYPES = frozenset({"default"})


def cost_floor_cents(cost_rate: Decimal, exchange_rate: Decimal) -> int:
    """The cost per 1000 in panel cents, rounded up: no price may be below it."""
    return max(1, int((cost_rate * exchange_rate * 100).to_integral_value(rounding=ROUND_CEILING)))


def sell_rate_cents(cost_rate: Decimal, exchange_rate: Decimal, markup_percent: Decimal) -> int:
    """Customer price per 1000 in panel cents: cost * rate * (1 + markup%), half-up, never below cost."""
    price = cost_rate * exchange_rate * (1 + markup_percent / 100)
    return max(to_cents(price), cost_floor_cents(cost_rate, exchange_rate))


def cost_text(rate: Decimal) -> str:
    """Full precision, no exponent: ``Decimal("2.5E-4")`` → ``"0.00025"``."""
    text = format(rate.normalize(), "f")
    return text if len(text) <= 32 else format(rate.quantize(Decimal("1e-12")).normalize(), "f")[:32]


@dataclass
class CatalogReport:
    created: int = 0
    updated: int = 0
    disabled: int = 0
    skipped: int = 0
    # upstream service id -> (old, new) price in cents, where a cost rise forced a price up
    repriced: dict[str, tuple[int, int]] = field(default_factory=dict)


def _local(conn: Conn, provider_id: int) -> dict[str, Row]:
    rows = conn.all("SELECT * FROM smm_services WHERE provider_id = ? ORDER BY id", (provider_id,))
    return {str(row["upstream_service"]): row for row in rows}


def _fields(service: UpstreamService) -> tuple[object, ...]:
    return (
        service.name[:200] or f"Service {service.service}",
        service.type[:50] or "Default",
        service.min,
        service.max if service.max >= service.min else service.min,
        service.description,
        cost_text(service.rate),
        service.refill,
        service.cancel,
        service.dripfeed,
    )


def import_services(
    conn: Conn,
    *,
    provider_id: int,
    exchange_rate: Decimal,
    services: list[UpstreamService],
    markup_percent: Decimal,
    category: str | None = None,
) -> CatalogReport:
    """Create or update (and re-enable) local services for the upstream ones, priced with the markup."""
    if markup_percent < 0:
        raise RuleViolation("markup must not be negative (prices never go below cost)")
    local = _local(conn, provider_id)
    report = CatalogReport()
    wanted = category.strip().lower() if category else None
    at = now()
    for service in services:
        if wanted is not None and service.category.strip().lower() != wanted:
            continue
        if service.min < 1 or service.rate <= 0 or service.type.strip().lower() not in IMPORTABLE_TYPES:
            report.skipped += 1
            continue
        price = sell_rate_cents(service.rate, exchange_rate, markup_percent)
        row = local.get(service.service)
        if row is None:
            conn.execute(
                "INSERT INTO smm_services (name, type, min_quantity, max_quantity, description, cost_rate, refill, "
                "cancel, dripfeed, category, rate_cents, active, provider_id, upstream_service, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_fields(service), service.category[:100] or "Other", price, True, provider_id, service.service, at),
            )
            report.created += 1
        else:
            conn.execute(
                "UPDATE smm_services SET name = ?, type = ?, min_quantity = ?, max_quantity = ?, description = ?, "
                "cost_rate = ?, refill = ?, cancel = ?, dripfeed = ?, category = ?, rate_cents = ?, active = ? "
                "WHERE id = ?",
                (*_fields(service), service.category[:100] or "Other", price, True, row["id"]),
            )
            report.updated += 1
    return report


def sync_services(
    conn: Conn, *, provider_id: int, exchange_rate: Decimal, services: list[UpstreamService]
) -> CatalogReport:
    """Bring the provider's imported services in line with the upstream list (see module doc)."""
    upstream = {s.service: s for s in services}
    report = CatalogReport()
    for upstream_id, row in _local(conn, provider_id).items():
        service = upstream.get(upstream_id)
        if service is None or service.rate <= 0:
            if row["active"]:
                conn.execute("UPDATE smm_services SET active = ? WHERE id = ?", (False, row["id"]))
                log.warning("smm service %s (upstream %r) vanished upstream: disabled", row["id"], upstream_id)
                report.disabled += 1
            continue
        price = int(row["rate_cents"])
        floor = cost_floor_cents(service.rate, exchange_rate)
        if price < floor:
            new_price = floor
            old_cost = Decimal(row["cost_rate"]) if row["cost_rate"] else None
            if old_cost and old_cost > 0:
                margin = Decimal(price) / (old_cost * exchange_rate * 100)
                new_price = max(floor, to_cents(service.rate * exchange_rate * margin))
            report.repriced[upstream_id] = (price, new_price)
            log.warning(
                "smm service %s (upstream %r): cost rose above its price; price %d -> %d cents",
                row["id"], upstream_id, price, new_price,
            )  # fmt: skip
            price = new_price
        # Names, categories and descriptions are the operator's once imported: only the facts follow upstream.
        conn.execute(
            "UPDATE smm_services SET min_quantity = ?, max_quantity = ?, cost_rate = ?, refill = ?, cancel = ?, "
            "dripfeed = ?, rate_cents = ? WHERE id = ?",
            (*_fields(service)[2:4], *_fields(service)[5:], price, row["id"]),
        )
        report.updated += 1
    return report
