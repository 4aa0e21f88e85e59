"""What an API customer can do with SMM: read the catalog, place an order, follow their orders.

Each function is one unit of work that authenticates the caller first (D2) and returns plain data
shaped as the API answers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flashpanel.bounds import LINK_MAX_LENGTH, LINK_SCHEMES
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.smm import queries
from flashpanel.smm.queries import HISTORY_COUNT_SQL as HISTORY_COUNT_SQL
from flashpanel.smm.queries import HISTORY_PAGE_SQL as HISTORY_PAGE_SQL

# Re-exported: callers of this module read the catalog through it.
from flashpanel.smm.queries import ON_SALE_SQL as ON_SALE_SQL
from flashpanel.smm.queries import OrderCharge, OrderRow, ServiceOffer, order_charges, service_offers
from flashpanel.smm.queries import ServiceOnSale as ServiceOnSale
from flashpanel.smm.queries import service_on_sale as service_on_sale
from flashpanel.wallet import ledger
from flashpanel.wallet.money import charge_per_thousand, format_cents, smallest_charged_quantity


def iso_utc(epoch: float) -> str:
    """ISO 8601 in UTC with an explicit ``+00:00``, to the second."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


# -- catalog ----------------------------------------------------------------------------------------
def active_services(conn: Conn, *, simulators: bool) -> list[dict[str, Any]]:
    """The services on sale in the API's shape, ordered by category then id. ``simulators``: whether
    services of the built-in simulator are on sale (``FLASHPANEL_SIMULATORS``)."""
    return [
        {
            "service_id": entry.id,
            "name": entry.name,
            "category": entry.category,
            "type": entry.type,
            "rate": format_cents(entry.rate_cents),
            "min": entry.min_quantity,
            "max": entry.max_quantity,
            "description": entry.description,
        }
        for entry in queries.catalog(conn, simulators=simulators)
    ]


def services_for_key(conn: Conn, *, key_digest: str, simulators: bool) -> list[dict[str, Any]]:
    authenticate(conn, key_digest=key_digest)
    return active_services(conn, simulators=simulators)


# -- placement --------------------------------------------------------------------------------------
def valid_link(value: str) -> str:
    """An http(s) URL with a host, at most 2,048 characters, no whitespace; else 422."""
    link = value.strip()
    if len(link) > LINK_MAX_LENGTH:
        raise RuleViolation(f"Invalid link: must be at most {LINK_MAX_LENGTH} characters")
    try:
        parts = urlsplit(link)
    except ValueError:
        raise RuleViolation("Invalid link: must be an http or https URL") from None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname or any(c.isspace() for c in link):
        raise RuleViolation("Invalid link: must be an http or https URL")
    return link


def place_order(
    conn: Conn,
    *,
    key_digest: str,
    service_id: int,
    link: str,
    quantity: int,
    simulators: bool,
    runs: int | None = None,
    interval_minutes: int | None = None,
) -> dict[str, Any]:
    """Authenticate, validate, insert the order (``pending``) and charge it, all in this unit of work.

    Raises 422 for an unknown service or one not on sale (disabled, no provider, provider disabled, or the
    simulator's while ``simulators`` is off), a quantity outside [min, max], an order that would cost 0.00
    (never placed for free: the message names the smallest quantity that costs 0.01) or a bad link, checked
    in that order, and 400 ``Insufficient balance`` when the wallet does not cover the charge (nothing is
    written then: the exception rolls the whole unit back). With ``runs`` (drip-feed), ``quantity`` is per
    run and the order is for ``runs * quantity``."""
    customer_id = authenticate(conn, key_digest=key_digest)
    row = service_on_sale(conn, service_id=service_id, simulators=simulators)
    if row is None:
        raise RuleViolation(f"Unknown or disabled service: {service_id}")
    low, high = row.min_quantity, row.max_quantity
    if not low <= quantity <= high:
        raise RuleViolation(f"Quantity must be between {low} and {high}")
    total = quantity * (runs or 1)  # drip-feed: `quantity` is per run, the order is for every run
    charge_cents = charge_per_thousand(row.rate_cents, total)
    if charge_cents == 0:
        raise RuleViolation(_free_order_refusal(row.rate_cents, runs))
    target = valid_link(link)
    created = now()
    # The counter row is locked until commit, so concurrent orders of one customer get distinct numbers;
    # a rolled-back order rolls its number back too, so the sequence has no gaps.
    customer_seq = conn.scalar(
        "UPDATE customers SET smm_orders_count = smm_orders_count + 1 WHERE id = ? RETURNING smm_orders_count",
        (customer_id,),
    )
    order_id = conn.scalar(
        "INSERT INTO smm_orders (customer_id, service_id, link, quantity, charge_cents, refunded_cents, status, "
        "remains, provider_id, attempts, next_check_at, created_at, updated_at, runs, interval_minutes, customer_seq) "
        "VALUES (?, ?, ?, ?, ?, 0, 'pending', ?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            customer_id,
            service_id,
            target,
            total,
            charge_cents,
            total,
            row.provider_id,
            created,
            created,
            created,
            runs,
            interval_minutes,
            customer_seq,
        ),
    )
    balance = ledger.charge(
        conn, customer_id=customer_id, amount_cents=charge_cents, order_kind="smm", order_id=order_id
    )
    return {
        "order_id": order_id,
        "service": row.name,
        "link": target,
        "quantity": quantity,
        "charge": format_cents(charge_cents),
        "status": "pending",
        "balance": format_cents(balance),
    }


def _free_order_refusal(rate_cents: int, runs: int | None) -> str:
    """Why an order that would cost 0.00 is refused: the quantity that costs at least 0.01 (per run for a
    drip-feed order), or that the service has no price at all."""
    smallest = smallest_charged_quantity(rate_cents)
    if smallest is None:
        return "This service has no price (0.00 per 1000); it cannot be ordered"
    if runs:
        per_run = -(-smallest // runs)
        return f"Quantity must be at least {per_run} per run ({runs} runs): a smaller order would cost 0.00"
    return f"Quantity must be at least {smallest}: a smaller order would cost 0.00"


# -- reading orders ---------------------------------------------------------------------------------
def order_view(order: OrderRow) -> dict[str, Any]:
    """One order as the status and history endpoints show it."""
    return {
        "order_id": order.id,
        "service": order.service_name,
        "link": order.link,
        "quantity": order.quantity,
        "charge": format_cents(order.charge_cents),
        "status": order.status,
        "start_count": order.start_count,
        "remains": order.remains,
        "created_at": iso_utc(order.created_at),
    }


def order_status(conn: Conn, *, key_digest: str, order_id: int) -> dict[str, Any]:
    """The caller's own order; an unknown id and someone else's id get the same 404."""
    customer_id = authenticate(conn, key_digest=key_digest)
    order = queries.order_of_customer(conn, customer_id=customer_id, order_id=order_id)
    if order is None:
        raise NotFound("Order not found")
    return order_view(order)


def order_history(conn: Conn, *, key_digest: str, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the caller's orders, newest first, and their total count, in time independent of how
    many orders the customer has: the total is the customer's order counter, and page N is the range of
    the gap-free per-customer sequence ending at total - (N-1) * limit, read from its unique index."""
    customer_id = authenticate(conn, key_digest=key_digest)
    total = queries.order_count(conn, customer_id=customer_id)
    if total == 0 or (page - 1) * limit >= total:
        return [], total
    orders = queries.history_page(conn, customer_id=customer_id, last_seq=total - (page - 1) * limit, limit=limit)
    return [order_view(order) for order in orders], total


# -- what the SMM API v2 reads ----------------------------------------------------------------------
def service_offers_for_key(conn: Conn, *, key_digest: str, simulators: bool) -> list[ServiceOffer]:
    """Authenticate, then the services on sale with their refill, cancel and drip-feed options."""
    authenticate(conn, key_digest=key_digest)
    return service_offers(conn, simulators=simulators)


def order_charges_for_key(conn: Conn, *, key_digest: str, order_ids: Sequence[int]) -> dict[int, OrderCharge]:
    """Authenticate, then the caller's own orders among ``order_ids`` with their status and money
    (unknown and foreign ids are absent)."""
    customer_id = authenticate(conn, key_digest=key_digest)
    return order_charges(conn, customer_id=customer_id, order_ids=order_ids)
