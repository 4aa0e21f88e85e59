"""An order's page in the back office shows every status change, from its creation, oldest first; the
operator actions stay listed as before."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from flashpanel.admin import orders
from flashpanel.admin.audit import Actor
from flashpanel.db.runner import Database
from flashpanel.smm.lifecycle import apply_transition
from tests.admin.support import enrol_and_log_in, make_operator

SUPPORT = Actor(name="ngozi", role="support", address="192.0.2.8", operator_id=2)


def _status_rows(html: str) -> list[tuple[str, str]]:
    start = html.index('aria-labelledby="statuses-heading"')
    body = html[start : html.index("</table>", start)]
    return re.findall(r"<tr><td>([a-z_]+)</td><td>([a-z_]+)</td>", body)


def test_the_order_page_lists_the_creation_then_every_status_change(
    db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="processing", upstream_order_id="u1")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="partial", remains=100)
    page = db.read_sync(orders.order_page, line="smm", order_id=order_id)
    assert [(s.from_status, s.to_status) for s in page.statuses] == [
        (None, "pending"),
        ("pending", "processing"),
        ("processing", "partial"),
    ]
    assert [h["action"] for h in page.history] == ["smm.partial"]


def test_an_order_that_never_changed_shows_only_its_creation(
    db: Database, waiting_otp_order: Callable[..., int]
) -> None:
    order_id = waiting_otp_order("ada")
    page = db.read_sync(orders.order_page, line="otp", order_id=order_id)
    assert [(s.from_status, s.to_status, s.at) for s in page.statuses] == [
        (None, "waiting", float(page.order["created_at"]))
    ]


async def test_the_order_page_shows_the_status_history_table(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    order_id = smm_order("ada")
    db.write_sync(apply_transition, order_id=order_id, expected="pending", target="processing", upstream_order_id="u1")
    db.write_sync(orders.smm_set_status, actor=SUPPORT, order_id=order_id, status="cancelled")
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get(f"/admin/orders/smm/{order_id}")
    assert page.status_code == 200 and "Status history" in page.text
    assert _status_rows(page.text) == [("created", "pending"), ("pending", "processing"), ("processing", "cancelled")]
    assert "smm.cancel" in page.text  # the operator actions are still listed
