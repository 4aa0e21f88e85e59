"""The dashboard's figures: customers, what the panel owes them, revenue / upstream cost / profit per
line over three periods, orders by status over 7 days, and what needs the operator's attention.

Revenue is read from the ledger (charges less refunds, by the time the money moved). Cost uses recorded
costs only: an SMM order's upstream charge (``smm_orders.cost``), an OTP number's cost at purchase
(``otp_orders.cost``, for numbers not refunded), both as the provider stated them and converted with the
provider's exchange rate, and an account product's optional unit cost. An order
without a recorded cost counts as cost unknown (``costed`` says how many were), never as free."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

import msgspec

from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as
from flashpanel.wallet.money import format_cents, to_cents

DAY = 86400.0
LINES: Final = ("smm", "otp", "accounts")
LINE_NAMES: Final = {"smm": "SMM", "otp": "Numbers", "accounts": "Accounts"}
STUCK_SECONDS = DAY  # an order in flight unchanged for a day is listed as stuck
CANCEL_WAIT_SECONDS = 3600.0  # a customer's cancel still not done upstream after an hour is listed


@dataclass(frozen=True, slots=True)
class Money:
    revenue_cents: int = 0
    cost_cents: int = 0
    uncosted_orders: int = 0  # orders in the period without a recorded cost

    @property
    def profit_cents(self) -> int:
        return self.revenue_cents - self.cost_cents


@dataclass(frozen=True, slots=True)
class Attention:
    kind: str
    line: str | None
    object_id: int | None
    text: str
    since: float | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    customers: int
    owed_cents: int  # the sum of customer balances: what the panel owes
    periods: dict[str, dict[str, Money]]  # "today" | "7 days" | "30 days" -> line -> money
    days: list[str]  # the 7 chart days, oldest first (YYYY-MM-DD)
    by_status: dict[str, list[int]]  # status -> orders created on each day (all lines)
    attention: list[Attention] = field(default_factory=list)


def _start_of_today(at: float) -> float:
    day = datetime.fromtimestamp(at, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


class _CostGroup(msgspec.Struct, frozen=True):
    """Orders sharing one recorded cost (decimal text) and provider exchange rate."""

    cost: str | None
    exchange_rate: str | None
    n: int


class _StatusAt(msgspec.Struct, frozen=True):
    status: str
    created_at: float


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def money_since(conn: Conn, *, since: float) -> dict[str, Money]:
    revenue = {
        r["order_kind"]: -int(r["total"])
        for r in conn.all(
            "SELECT order_kind, SUM(amount_cents) AS total FROM ledger_entries "
            "WHERE kind IN ('charge', 'refund') AND created_at >= ? AND order_kind IS NOT NULL GROUP BY order_kind",
            (since,),
        )
    }
    result: dict[str, Money] = {}
    for line, sql in (
        ("smm", "smm_orders o WHERE o.created_at >= ? AND o.status <> 'cancelled'"),
        ("otp", "otp_orders o WHERE o.created_at >= ? AND o.status IN ('waiting', 'completed')"),
    ):
        cost = Decimal(0)
        missing = 0
        # Grouped by the recorded text: orders of one service and quantity share a cost, so the rows read
        # here are far fewer than the orders (costs are decimal text, summed exactly in Python).
        groups = all_as(
            conn,
            _CostGroup,
            "SELECT o.cost, p.exchange_rate, COUNT(*) AS n FROM "
            + sql.replace(" WHERE", " LEFT JOIN providers p ON p.id = o.provider_id WHERE")
            + " GROUP BY o.cost, p.exchange_rate",
            (since,),
        )
        for group in groups:
            value = _decimal(group.cost)
            rate = _decimal(group.exchange_rate) or Decimal(1)
            if value is None:
                missing += group.n
            else:
                cost += value * rate * group.n
        result[line] = Money(revenue.get(line, 0), to_cents(cost), missing)
    accounts = conn.one(
        "SELECT COALESCE(SUM(o.quantity * p.unit_cost_cents), 0) AS cost, "
        "COALESCE(SUM(CASE WHEN p.unit_cost_cents IS NULL THEN 1 ELSE 0 END), 0) AS missing "
        "FROM account_orders o JOIN account_products p ON p.id = o.product_id WHERE o.created_at >= ?",
        (since,),
    )
    assert accounts is not None
    result["accounts"] = Money(revenue.get("accounts", 0), int(accounts["cost"]), int(accounts["missing"]))
    return result


def orders_by_status(conn: Conn, *, today: float) -> tuple[list[str], dict[str, list[int]]]:
    start = today - 6 * DAY
    days = [datetime.fromtimestamp(start + i * DAY, UTC).strftime("%Y-%m-%d") for i in range(7)]
    counts: dict[str, list[int]] = {}
    for table in ("smm_orders", "otp_orders", "account_orders"):
        for order in all_as(conn, _StatusAt, f"SELECT status, created_at FROM {table} WHERE created_at >= ?", (start,)):
            index = min(6, int((order.created_at - start) // DAY))
            counts.setdefault(order.status, [0] * 7)[index] += 1
    return days, dict(sorted(counts.items()))


def needs_attention(conn: Conn, *, at: float, low_stock: int, limit: int = 50) -> list[Attention]:
    items: list[Attention] = []
    for line, table in (("smm", "smm_orders"), ("otp", "otp_orders")):
        for r in conn.all(
            f"SELECT id, attention, attention_at FROM {table} WHERE attention_at IS NOT NULL "
            "ORDER BY attention_at LIMIT ?",
            (limit,),
        ):
            items.append(Attention("flagged", line, int(r["id"]), str(r["attention"]), float(r["attention_at"])))
    for r in conn.all(
        "SELECT id, status, updated_at FROM smm_orders WHERE status IN ('pending', 'processing', 'in_progress') "
        "AND updated_at < ? AND attention_at IS NULL ORDER BY updated_at LIMIT ?",
        (at - STUCK_SECONDS, limit),
    ):
        items.append(Attention("stuck", "smm", int(r["id"]), f"{r['status']} for over a day", float(r["updated_at"])))
    for r in conn.all(
        "SELECT id, cancel_requested_at FROM smm_orders WHERE cancel_requested_at < ? "
        "AND status IN ('pending', 'processing', 'in_progress') ORDER BY cancel_requested_at LIMIT ?",
        (at - CANCEL_WAIT_SECONDS, limit),
    ):
        items.append(
            Attention(
                "cancel not done",
                "smm",
                int(r["id"]),
                "the customer asked to cancel over an hour ago and the provider has not cancelled it",
                float(r["cancel_requested_at"]),
            )
        )
    for r in conn.all(
        "SELECT p.id, p.name, COUNT(s.id) AS unsold FROM account_products p "
        "LEFT JOIN stock_items s ON s.product_id = p.id AND s.order_id IS NULL "
        "WHERE p.active GROUP BY p.id, p.name HAVING COUNT(s.id) < ? ORDER BY COUNT(s.id) LIMIT ?",
        (low_stock, limit),
    ):
        items.append(
            Attention("low stock", "accounts", int(r["id"]), f"{r['name']}: {int(r['unsold'])} items left", None)
        )
    for r in conn.all(
        "SELECT id, reference, status, amount_cents, note, created_at FROM topups "
        "WHERE status IN ('awaiting_approval', 'mismatch') ORDER BY created_at LIMIT ?",
        (limit,),
    ):
        kind = "transfer to approve" if r["status"] == "awaiting_approval" else "payment mismatch"
        text = f"{r['reference']}: {format_cents(int(r['amount_cents']))}" + (f" ({r['note']})" if r["note"] else "")
        items.append(Attention(kind, "payments", int(r["id"]), text, float(r["created_at"])))
    return items


def dashboard(conn: Conn, *, low_stock: int, at: float | None = None) -> Dashboard:
    moment = time.time() if at is None else at
    today = _start_of_today(moment)
    totals = conn.one("SELECT COUNT(*) AS n, COALESCE(SUM(balance_cents), 0) AS owed FROM customers")
    assert totals is not None
    periods = {
        "today": money_since(conn, since=today),
        "7 days": money_since(conn, since=moment - 7 * DAY),
        "30 days": money_since(conn, since=moment - 30 * DAY),
    }
    days, by_status = orders_by_status(conn, today=today)
    return Dashboard(
        customers=int(totals["n"]),
        owed_cents=int(totals["owed"]),
        periods=periods,
        days=days,
        by_status=by_status,
        attention=needs_attention(conn, at=moment, low_stock=low_stock),
    )
