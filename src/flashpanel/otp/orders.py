"""Units of work on OTP orders: the SQL behind purchase, check, cancel, history and the worker.

Each function runs inside one transaction (``Database.read`` / ``write``); the rules that decide
what to call when live in ``otp/service.py`` and ``otp/worker.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import msgspec

from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import RowId, all_as, one_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.otp.catalog import Source, sources_of
from flashpanel.otp.lifecycle import Applied, ListedOrder, OtpOrder, apply_transition
from flashpanel.providers.base import Activation
from flashpanel.providers.catalog_sync import cost_text
from flashpanel.wallet import ledger

# How long a purchase may stay between its debit and the provider's answer before the worker decides
# it was interrupted (a crash) and refunds it. Longer than any purchase can take (the provider calls
# are bounded by service.BUY_TIMEOUT each), so a slow purchase is never resolved under its feet.
PENDING_GRACE_SECONDS = 300.0

_SELECT_ORDER = (
    "SELECT o.id, o.request_id, o.customer_id, o.phone_number, o.charge_cents, o.status, o.sms_code, o.provider_id, "
    "o.upstream_activation_id, o.expires_at, o.created_at, s.name AS service_name, c.name AS country_name "
    "FROM otp_orders o JOIN otp_services s ON s.id = o.otp_service_id JOIN otp_countries c ON c.id = o.country_id"
)
# The columns of an OtpOrder, for the worker's reads of the order table alone.
_ORDER_COLUMNS = (
    "id, request_id, customer_id, phone_number, charge_cents, status, sms_code, provider_id, upstream_activation_id, "
    "expires_at, created_at"
)


@dataclass(frozen=True, slots=True)
class OpenedOrder:
    order_id: int
    request_id: str
    charge_cents: int
    service_name: str
    country_name: str
    sources: list[Source]


class _PricedService(msgspec.Struct, frozen=True):
    id: int
    name: str
    price_cents: int
    country_name: str


def open_order(conn: Conn, *, key_digest: str, country_id: int, service_id: int, simulators: bool) -> OpenedOrder:
    """Unit 1 of a purchase: authenticate, check the pair, debit the price and store a ``pending``
    order. Raises 422 for an unknown pair or one not on sale (inactive, or no source that takes new
    orders: see ``catalog.sources_of``) and 400 for a short balance; either way nothing is written."""
    customer_id = authenticate(conn, key_digest=key_digest)
    service = one_as(
        conn,
        _PricedService,
        "SELECT s.id, s.name, s.price_cents, c.name AS country_name FROM otp_services s "
        "JOIN otp_countries c ON c.id = s.country_id "
        "WHERE s.id = ? AND s.country_id = ? AND s.active AND c.active",
        (service_id, country_id),
    )
    sources = [] if service is None else sources_of(conn, service_ids=[service_id], simulators=simulators)[service_id]
    if service is None or not sources:
        raise RuleViolation("Unknown service for this country")
    at = now()
    request_id = secrets.token_hex(16)
    price_cents = service.price_cents
    order_id = conn.scalar(
        "INSERT INTO otp_orders (request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
        "next_check_at, checks, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?) RETURNING id",
        (
            request_id,
            customer_id,
            service_id,
            country_id,
            price_cents,
            at + PENDING_GRACE_SECONDS,
            at,
            at,
        ),
    )
    ledger.charge(conn, customer_id=customer_id, amount_cents=price_cents, order_kind="otp", order_id=order_id)
    return OpenedOrder(int(order_id), request_id, price_cents, service.name, service.country_name, sources)


@dataclass(frozen=True, slots=True)
class Activated:
    balance_cents: int


def activate(
    conn: Conn, *, order_id: int, provider_id: int, activation: Activation, expires_at: float, first_check: float
) -> Activated | None:
    """Unit 2 of a purchase, on success: ``pending`` → ``waiting`` with the number. ``None`` if the
    order is no longer pending (the worker already resolved it as interrupted).

    Safe to repeat: if an earlier attempt committed but its answer was lost with the connection, the
    order already holds this very activation, and that is a success, not a lost race."""
    done = apply_transition(
        conn,
        order_id=order_id,
        expected="pending",
        target="waiting",
        provider_id=provider_id,
        phone_number=activation.phone_number,
        upstream_activation_id=activation.activation_id,
        expires_at=expires_at,
        next_check_at=first_check,
        # What the provider charged, in its currency as it said it (as smm_orders.cost): the back office's profit.
        cost=None if activation.cost is None else cost_text(activation.cost),
    )
    if done is not None:
        customer_id = done.order.customer_id
    else:
        owner = conn.scalar(
            "SELECT customer_id FROM otp_orders WHERE id = ? AND upstream_activation_id = ?",
            (order_id, activation.activation_id),
        )
        if owner is None:
            return None
        customer_id = int(owner)
    return Activated(ledger.balance_cents(conn, customer_id=customer_id))


def fail(conn: Conn, *, order_id: int, error: str) -> Applied | None:
    """Unit 2 of a purchase, on failure: ``pending`` → ``failed``, refunded."""
    return apply_transition(conn, order_id=order_id, expected="pending", target="failed", last_error=error[:500])


def order_of_customer(conn: Conn, *, key_digest: str, request_id: str) -> ListedOrder:
    """The caller's order with this request id; 404 for anyone else's (no hint it exists)."""
    customer_id = authenticate(conn, key_digest=key_digest)
    order = one_as(
        conn, ListedOrder, _SELECT_ORDER + " WHERE o.request_id = ? AND o.customer_id = ?", (request_id, customer_id)
    )
    if order is None:
        raise NotFound("Order not found")
    return order


def order_by_id(conn: Conn, *, order_id: int) -> ListedOrder:
    order = one_as(conn, ListedOrder, _SELECT_ORDER + " WHERE o.id = ?", (order_id,))
    if order is None:
        raise NotFound("Order not found")
    return order


def history(conn: Conn, *, key_digest: str, page: int, limit: int) -> tuple[list[ListedOrder], int]:
    """One page of the caller's orders, newest first, and their total count (both index-backed:
    ``ix_otp_orders_customer_id_id``)."""
    customer_id = authenticate(conn, key_digest=key_digest)
    total = int(conn.scalar("SELECT COUNT(*) FROM otp_orders WHERE customer_id = ?", (customer_id,)))
    offset = (page - 1) * limit
    if offset >= total:  # past the end: nothing to read (and no OFFSET past 64 bits for the database)
        return [], total
    listed = all_as(
        conn,
        ListedOrder,
        _SELECT_ORDER + " WHERE o.customer_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?",
        (customer_id, limit, offset),
    )
    return listed, total


def cancel(conn: Conn, *, order_id: int, error: str | None = None, attention: str | None = None) -> Applied | None:
    """``waiting`` → ``cancelled``, refunded. ``error``/``attention``: the upstream cancel failed, and the
    operator should release the number by hand (see :func:`unreleased_note`)."""
    return apply_transition(
        conn,
        order_id=order_id,
        expected="waiting",
        target="cancelled",
        last_error=error,
        attention=attention,
        attention_at=now() if attention else None,
    )


def unreleased_note(*, activation_id: str, error: str) -> str:
    """What the operator reads when a number could not be released upstream."""
    return (
        f"the number (activation {activation_id}) could not be released upstream ({error}): cancel it at the "
        "provider, then mark this handled (flashpanel otp orders resolve ID)"
    )[:1000]


def flag_unreleased(conn: Conn, *, order_id: int, activation_id: str, error: str) -> None:
    """A background release of a number (expired, interrupted or refused order) failed upstream: flag
    the order for the operator. Its status and money stay as they are."""
    at = now()
    note = unreleased_note(activation_id=activation_id, error=error)
    conn.execute(
        "UPDATE otp_orders SET attention = ?, attention_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
        (note, at, f"upstream cancel failed: {error}"[:500], at, order_id),
    )


def expire(conn: Conn, *, order_id: int) -> Applied | None:
    return apply_transition(conn, order_id=order_id, expected="waiting", target="expired")


def complete(conn: Conn, *, order_id: int, sms_code: str) -> Applied | None:
    return apply_transition(conn, order_id=order_id, expected="waiting", target="completed", sms_code=sms_code)


# -- worker batches ----------------------------------------------------------------------------------
def backoff_seconds(checks: int) -> float:
    """Delay before the next SMS poll of an order already polled ``checks`` times: 3 s, 5 s, 7 s ... 30 s."""
    return float(min(30, 3 + 2 * checks))


class _Polled(OtpOrder, frozen=True):
    checks: int


def claim_due_polls(conn: Conn, *, at: float, limit: int) -> list[OtpOrder]:
    """Waiting orders due for an SMS poll (and not yet overdue), each pushed back by its back-off in
    the same unit, so two workers never poll the same order at once."""
    polled = all_as(
        conn,
        _Polled,
        f"SELECT {_ORDER_COLUMNS}, checks FROM otp_orders "
        "WHERE status = 'waiting' AND next_check_at <= ? AND expires_at > ? ORDER BY next_check_at LIMIT ?"
        + conn.for_update_skip_locked,
        (at, at, limit),
    )
    conn.executemany(
        "UPDATE otp_orders SET next_check_at = ?, checks = checks + 1 WHERE id = ?",
        [(at + backoff_seconds(order.checks + 1), order.id) for order in polled],
    )
    return [*polled]


def overdue(conn: Conn, *, at: float, limit: int) -> list[OtpOrder]:
    """A batch of waiting orders past their deadline, oldest deadline first. Not claimed: two workers
    may both look at one, and the transition lets exactly one of them end it."""
    return all_as(
        conn,
        OtpOrder,
        f"SELECT {_ORDER_COLUMNS} FROM otp_orders "
        "WHERE status = 'waiting' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
        (at, limit),
    )


def resolve_interrupted(conn: Conn, *, at: float, limit: int) -> int:
    """Fail (and refund) pending orders older than the grace period: their purchase was interrupted
    between the debit and the provider's answer. Returns how many were resolved."""
    rows = all_as(
        conn,
        RowId,
        "SELECT id FROM otp_orders WHERE status = 'pending' AND next_check_at <= ? ORDER BY next_check_at LIMIT ?"
        + conn.for_update_skip_locked,
        (at, limit),
    )
    return sum(
        fail(conn, order_id=row.id, error="purchase interrupted before the provider answered") is not None
        for row in rows
    )
