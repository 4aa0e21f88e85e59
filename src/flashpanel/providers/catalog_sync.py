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

An entry the upstream sent that cannot be read (``UpstreamCatalog.rejected``: no id, a rate, min or max
that is not a number within bounds), or whose price would be out of range, is skipped and reported; the
rest of the list is applied. The sync leaves such a service as it was rather than disabling it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Context, Decimal, InvalidOperation
from functools import partial

import msgspec

from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import all_as
from flashpanel.errors import RuleViolation
from flashpanel.providers.base import RejectedService, UpstreamService
from flashpanel.wallet.money import to_cents

log = logging.getLogger("flashpanel.providers.catalog")

# Orders carry a link and a quantity, charged per 1000: only upstream services of this shape are
# imported (Package, Custom Comments, Subscriptions... need other parameters or a flat price).
IMPORTABLE_TYPES = frozenset({"default"})
# The highest price per 1000 a service may have, in cents: charges for any quantity a service may allow
# (up to 2**31 - 1) then stay far inside the 64-bit columns.
MAX_RATE_CENTS = 10**12


def cost_floor_cents(cost_rate: Decimal, exchange_rate: Decimal) -> int:
    """The cost per 1000 in panel cents, rounded up: no price may be below it."""
    return max(1, int((cost_rate * exchange_rate * 100).to_integral_value(rounding=ROUND_CEILING)))


def sell_rate_cents(cost_rate: Decimal, exchange_rate: Decimal, markup_percent: Decimal) -> int:
    """Customer price per 1000 in panel cents: cost * rate * (1 + markup%), half-up, never below cost."""
    price = cost_rate * exchange_rate * (1 + markup_percent / 100)
    return max(to_cents(price), cost_floor_cents(cost_rate, exchange_rate))


# Enough digits for any bounded upstream figure (providers.numbers) at 12 places.
_WIDE = Context(prec=60)


def cost_text(rate: Decimal) -> str:
    """Full precision, no exponent, at most 32 characters: ``Decimal("2.5E-4")`` → ``"0.00025"``."""
    text = format(rate.normalize(_WIDE), "f")
    return (
        text if len(text) <= 32 else format(rate.quantize(Decimal("1e-12"), context=_WIDE).normalize(_WIDE), "f")[:32]
    )


@dataclass
class CatalogReport:
    created: int = 0
    updated: int = 0
    disabled: int = 0
    skipped: int = 0
    # upstream service id -> (old, new) price in cents, where a cost rise forced a price up
    repriced: dict[str, tuple[int, int]] = field(default_factory=dict)
    # entries left out because the upstream's figures could not be read or priced
    rejected: list[RejectedService] = field(default_factory=list)


class _LocalService(msgspec.Struct, frozen=True):
    """What syncing needs of a local service bound to the provider."""

    id: int
    upstream_service: str | None
    active: bool
    rate_cents: int
    cost_rate: str | None


def _local(conn: Conn, provider_id: int) -> dict[str, _LocalService]:
    rows = all_as(conn, _LocalService, "SELECT * FROM smm_services WHERE provider_id = ? ORDER BY id", (provider_id,))
    return {str(row.upstream_service): row for row in rows}


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


def _priced(service: UpstreamService, price: Callable[[], int]) -> int | RejectedService:
    """``price()``, or the reason the service cannot be sold at it: out of range (or beyond what the
    decimal arithmetic can round, for an extreme cost times exchange rate)."""
    try:
        cents = price()
    except InvalidOperation:
        cents = MAX_RATE_CENTS + 1
    if cents > MAX_RATE_CENTS:
        return RejectedService(service.service, f"price out of range (above {MAX_RATE_CENTS} cents per 1000)")
    return cents


def import_services(
    conn: Conn,
    *,
    provider_id: int,
    exchange_rate: Decimal,
    services: list[UpstreamService],
    markup_percent: Decimal,
    category: str | None = None,
    rejected: Sequence[RejectedService] = (),
) -> CatalogReport:
    """Create or update (and re-enable) local services for the upstream ones, priced with the markup.
    ``rejected`` (entries the adapter could not read) and services priced out of range are reported in
    ``CatalogReport.rejected`` and left out."""
    if markup_percent < 0:
        raise RuleViolation("markup must not be negative (prices never go below cost)")
    local = _local(conn, provider_id)
    report = CatalogReport(rejected=list(rejected))
    wanted = category.strip().lower() if category else None
    at = now()
    for service in services:
        if wanted is not None and service.category.strip().lower() != wanted:
            continue
        if service.min < 1 or service.rate <= 0 or service.type.strip().lower() not in IMPORTABLE_TYPES:
            report.skipped += 1
            continue
        price = _priced(service, partial(sell_rate_cents, service.rate, exchange_rate, markup_percent))
        if isinstance(price, RejectedService):
            report.rejected.append(price)
            continue
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
                (*_fields(service), service.category[:100] or "Other", price, True, row.id),
            )
            report.updated += 1
    return report


def _keep_margin(service: UpstreamService, price: int, row: _LocalService, floor: int, exchange_rate: Decimal) -> int:
    """The price that keeps the service's previous margin over its new cost (at least the cost)."""
    old_cost = Decimal(row.cost_rate) if row.cost_rate else None
    if not old_cost or old_cost <= 0:
        return floor
    margin = Decimal(price) / (old_cost * exchange_rate * 100)
    return max(floor, to_cents(service.rate * exchange_rate * margin))


def sync_services(
    conn: Conn,
    *,
    provider_id: int,
    exchange_rate: Decimal,
    services: list[UpstreamService],
    rejected: Sequence[RejectedService] = (),
) -> CatalogReport:
    """Bring the provider's imported services in line with the upstream list (see module doc). A service
    among ``rejected``, or whose new price would be out of range, is left as it was and reported."""
    upstream = {s.service: s for s in services}
    unreadable = {r.service for r in rejected}
    report = CatalogReport(rejected=list(rejected))
    for upstream_id, row in _local(conn, provider_id).items():
        if upstream_id in unreadable:
            log.warning("smm service %s (upstream %s): unreadable upstream entry, left as it was", row.id, upstream_id)
            continue
        service = upstream.get(upstream_id)
        if service is None or service.rate <= 0:
            if row.active:
                conn.execute("UPDATE smm_services SET active = ? WHERE id = ?", (False, row.id))
                log.warning("smm service %s (upstream %r) vanished upstream: disabled", row.id, upstream_id)
                report.disabled += 1
            continue
        price = row.rate_cents
        floor = cost_floor_cents(service.rate, exchange_rate)
        if price < floor:
            repriced = _priced(service, partial(_keep_margin, service, price, row, floor, exchange_rate))
            if isinstance(repriced, RejectedService):
                report.rejected.append(repriced)
                log.warning("smm service %s (upstream %s): %s, left as it was", row.id, upstream_id, repriced.reason)
                continue
            new_price = repriced
            report.repriced[upstream_id] = (price, new_price)
            log.warning(
                "smm service %s (upstream %r): cost rose above its price; price %d -> %d cents",
                row.id, upstream_id, price, new_price,
            )  # fmt: skip
            price = new_price
        # Names, categories and descriptions are the operator's once imported: only the facts follow upstream.
        conn.execute(
            "UPDATE smm_services SET min_quantity = ?, max_quantity = ?, cost_rate = ?, refill = ?, cancel = ?, "
            "dripfeed = ?, rate_cents = ? WHERE id = ?",
            (*_fields(service)[2:4], *_fields(service)[5:], price, row.id),
        )
        report.updated += 1
    return report
