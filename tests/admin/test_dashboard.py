"""Dashboard figures: revenue from the ledger, cost from recorded costs only, orders by status, attention."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from flashpanel.admin import chart
from flashpanel.admin.audit import Actor
from flashpanel.admin.dashboard import dashboard
from flashpanel.admin.orders import smm_set_status
from flashpanel.db.runner import Database
from flashpanel.otp import orders as otp_orders
from flashpanel.providers.base import Activation

SUPPORT = Actor(name="ngozi", role="support")


def _set(db: Database, sql: str, params: tuple[object, ...]) -> None:
    db.write_sync(lambda c: c.execute(sql, params))


def test_revenue_comes_from_the_ledger_and_cost_from_recorded_costs_only(
    db: Database, smm_order: Callable[..., int], waiting_otp_order: Callable[..., int]
) -> None:
    costed, uncosted, cancelled = smm_order("ada"), smm_order("ada"), smm_order("bola")
    _set(db, "UPDATE providers SET exchange_rate = '1500' WHERE name = 'simulator'", ())
    _set(db, "UPDATE smm_orders SET cost = '0.1' WHERE id = ?", (costed,))
    db.write_sync(smm_set_status, actor=SUPPORT, order_id=cancelled, status="cancelled")
    number = waiting_otp_order("chidi")
    _set(db, "UPDATE otp_orders SET cost = '100.00' WHERE id = ?", (number,))
    figures = db.read_sync(dashboard, low_stock=10)
    smm = figures.periods["today"]["smm"]
    assert (smm.revenue_cents, smm.cost_cents, smm.uncosted_orders) == (100000, 15000, 1)
    assert smm.profit_cents == 85000
    otp = figures.periods["30 days"]["otp"]
    assert (otp.revenue_cents, otp.cost_cents, otp.uncosted_orders) == (15000, 10000, 0)
    assert figures.customers == 3
    assert figures.owed_cents == 0 + 100000 + 85000  # ada spent it all, bola was refunded, chidi bought a number
    assert uncosted  # placed, charged and without a cost: counted above, never as free


def test_orders_by_status_cover_seven_days_and_draw_as_svg(db: Database, smm_order: Callable[..., int]) -> None:
    first = smm_order("ada")
    smm_order("ada")
    db.write_sync(smm_set_status, actor=SUPPORT, order_id=first, status="completed")
    figures = db.read_sync(dashboard, low_stock=10)
    assert len(figures.days) == 7
    assert figures.by_status == {"completed": [0, 0, 0, 0, 0, 0, 1], "pending": [0, 0, 0, 0, 0, 0, 1]}
    svg = chart.stacked_bars(figures.days, figures.by_status)
    assert svg.count("<rect") == 2 and "1 completed" in svg


def test_flagged_stuck_and_low_stock_items_need_attention(
    db: Database, smm_order: Callable[..., int], waiting_otp_order: Callable[..., int]
) -> None:
    flagged, stuck = smm_order("ada"), smm_order("ada")
    cancel_waiting = smm_order("bola")
    _set(db, "UPDATE smm_orders SET cancel_requested_at = ? WHERE id = ?", (time.time() - 7200, cancel_waiting))
    _set(db, "UPDATE smm_orders SET attention = 'unknown upstream', attention_at = 1 WHERE id = ?", (flagged,))
    _set(db, "UPDATE smm_orders SET updated_at = ? WHERE id = ?", (time.time() - 2 * 86400, stuck))
    _set(db, "INSERT INTO account_categories (id, name) VALUES (1, 'Mail')", ())
    _set(
        db,
        "INSERT INTO account_products (id, category_id, name, price_cents, created_at) VALUES (1, 1, 'Box', 100, 0)",
        (),
    )
    items = db.read_sync(dashboard, low_stock=10).attention
    assert [(i.kind, i.line, i.object_id) for i in items] == [
        ("flagged", "smm", flagged),
        ("stuck", "smm", stuck),
        ("cancel not done", "smm", cancel_waiting),
        ("low stock", "accounts", 1),
    ]


def test_a_number_records_what_its_provider_charged_when_it_is_activated(
    db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    waiting_otp_order("ada")
    _set(db, "UPDATE otp_orders SET status = 'pending'", ())
    order_id = int(db.read_sync(lambda c: c.scalar("SELECT id FROM otp_orders")))
    provider_id = int(
        db.write_sync(
            lambda c: c.scalar(
                "INSERT INTO providers (name, kind, active, created_at) VALUES ('numbers', 'sms-activate', ?, 0) "
                "RETURNING id",
                (True,),
            )
        )
    )
    activation = Activation(activation_id="act-9", phone_number="+2348000000001", cost=Decimal("0.2500"))
    db.write_sync(
        otp_orders.activate,
        order_id=order_id,
        provider_id=provider_id,
        activation=activation,
        expires_at=time.time() + 600,
        first_check=time.time(),
    )
    assert db.read_sync(lambda c: c.scalar("SELECT cost FROM otp_orders WHERE id = ?", (order_id,))) == "0.25"
