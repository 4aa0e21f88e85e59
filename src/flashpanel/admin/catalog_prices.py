"""Prices and status of OTP services and accounts products, changed from the catalog page. Owner-only and
audited; the change itself is ``otp.catalog.update_service`` and ``accounts.catalog.update_product``'s, as
for ``flashpanel otp services update|disable`` and ``flashpanel accounts products update|disable``. A new
price applies to later purchases only."""

from __future__ import annotations

from decimal import Decimal

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.db.runner import Conn
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.otp import catalog as otp_catalog
from flashpanel.wallet.money import InvalidAmount, parse_amount, to_cents


def _price(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except InvalidAmount as exc:
        raise RuleViolation(f"Price {exc}") from None


@audited("catalog.otp.update", "otp_service")
def update_otp_service(
    conn: Conn, *, actor: Actor, service_id: int, price: str, active: bool, request_id: str | None = None
) -> None:
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    before = conn.one("SELECT price_cents, active FROM otp_services WHERE id = ?", (service_id,))
    if before is None:
        raise NotFound(f"No OTP service {service_id}")
    otp_catalog.update_service(conn, service_id=service_id, price=_price(price), active=active)
    after = conn.one("SELECT price_cents, active FROM otp_services WHERE id = ?", (service_id,))
    assert after is not None
    record(
        conn,
        actor=actor,
        action="catalog.otp.update",
        object_kind="otp_service",
        object_id=service_id,
        before={"price_cents": int(before["price_cents"]), "active": bool(before["active"])},
        after={"price_cents": int(after["price_cents"]), "active": bool(after["active"])},
        request_id=request_id,
    )


@audited("catalog.accounts.update", "account_product")
def update_product(
    conn: Conn, *, actor: Actor, product_id: int, price: str, active: bool, request_id: str | None = None
) -> None:
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    before = accounts_catalog.get_product(conn, product_id=product_id)
    after = accounts_catalog.update_product(
        conn, product_id=product_id, price_cents=to_cents(_price(price)), active=active
    )
    record(
        conn,
        actor=actor,
        action="catalog.accounts.update",
        object_kind="account_product",
        object_id=product_id,
        before={"price_cents": before.price_cents, "active": before.active},
        after={"price_cents": after.price_cents, "active": after.active},
        request_id=request_id,
    )
