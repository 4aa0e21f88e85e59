"""The back office's customers: search, one customer's page, and the actions on a customer (credit or
debit, disable / enable, rotate the key, a password reset link). Each action is a unit of work that
checks the operator's role, changes through the customer and wallet services, and audits in the same
transaction (run through ``admin.actions.perform``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.customers import accounts, service
from flashpanel.customers.accounts import CUSTOMER_REALM, Profile, profile
from flashpanel.db.like import contains, escape_like
from flashpanel.db.runner import Conn, Row
from flashpanel.db.typed import all_as, one_as
from flashpanel.errors import RuleViolation
from flashpanel.wallet.money import format_cents, to_cents
from flashpanel.wallet.service import LedgerPage, ledger_page
from flashpanel.web.sessions import end_subject_sessions


class CustomerHit(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str | None
    balance_cents: int
    active: bool
    api_key_prefix: str | None


def search(conn: Conn, *, query: str = "", limit: int = 50) -> list[CustomerHit]:
    """Customers whose name or email contains ``query``, or whose API key starts with it; newest first."""
    typed = query.strip()
    text = typed.lower()
    columns = "SELECT id, name, email, balance_cents, active, api_key_prefix FROM customers"
    if text:
        like = contains(text)
        # Keys are case-sensitive: the prefix is matched as typed (a full 8-character prefix exactly).
        key_prefix = escape_like(typed[:8]) + ("%" if len(typed) < 8 else "")
        return all_as(
            conn,
            CustomerHit,
            f"{columns} WHERE lower(name) LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' "
            "OR api_key_prefix LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?",
            (like, like, key_prefix, limit),
        )
    return all_as(conn, CustomerHit, f"{columns} ORDER BY id DESC LIMIT ?", (limit,))


class _Wallet(msgspec.Struct, frozen=True):
    name: str
    balance_cents: int


@dataclass(frozen=True, slots=True)
class CustomerPage:
    customer: Profile
    ledger: LedgerPage
    orders: dict[str, list[Row]]  # line -> newest orders


def customer_page(conn: Conn, *, customer_id: int, before: int | None = None) -> CustomerPage:
    customer = profile(conn, customer_id=customer_id)
    orders = {
        "smm": conn.all(
            "SELECT o.id, s.name AS service, o.quantity, o.charge_cents, o.refunded_cents, o.status, o.created_at "
            "FROM smm_orders o JOIN smm_services s ON s.id = o.service_id WHERE o.customer_id = ? "
            "ORDER BY o.id DESC LIMIT 20",
            (customer_id,),
        ),
        "otp": conn.all(
            "SELECT o.id, s.name AS service, o.phone_number, o.charge_cents, o.status, o.created_at "
            "FROM otp_orders o JOIN otp_services s ON s.id = o.otp_service_id WHERE o.customer_id = ? "
            "ORDER BY o.id DESC LIMIT 20",
            (customer_id,),
        ),
        "accounts": conn.all(
            "SELECT o.id, p.name AS service, o.quantity, o.charge_cents, o.status, o.created_at "
            "FROM account_orders o JOIN account_products p ON p.id = o.product_id WHERE o.customer_id = ? "
            "ORDER BY o.id DESC LIMIT 20",
            (customer_id,),
        ),
    }
    return CustomerPage(
        customer=customer, ledger=ledger_page(conn, customer_id=customer_id, before=before), orders=orders
    )


@audited("customer.create", "customer")
def create(conn: Conn, *, actor: Actor, name: str, email: str | None, request_id: str | None = None) -> tuple[int, str]:
    """A new customer with an empty wallet (``customers.service.create_customer``, as ``users create``);
    returns their id and API key, shown once. Money is then added with a credit (owners)."""
    require(actor.role, Permission.CUSTOMER_ACCESS)
    refuse_a_seen_form(conn, request_id=request_id)
    key = service.create_customer(conn, name=name, email=email or None)
    customer_id = service.customer_id_by_name(conn, name=name)
    record(
        conn,
        actor=actor,
        action="customer.create",
        object_kind="customer",
        object_id=customer_id,
        after={"name": name.strip().lower(), "email": email or None},
        request_id=request_id,
    )
    return customer_id, key


@audited("wallet.adjust", "customer")
def adjust_wallet(
    conn: Conn,
    *,
    actor: Actor,
    customer_id: int,
    amount: Decimal,
    note: str,
    seen_balance_cents: int,
    request_id: str | None = None,
) -> int:
    """Credit (positive) or debit (negative) the wallet as one ``adjustment`` ledger entry carrying the
    note, which is required; never below zero. Refused when the balance is no longer the one the
    operator saw (another tab, another operator, an order meanwhile): they look again before moving
    money, so a form sent twice or from two tabs moves money once. Returns the new balance (cents)."""
    require(actor.role, Permission.MONEY)
    refuse_a_seen_form(conn, request_id=request_id)
    if not note.strip():
        raise RuleViolation("A credit or debit needs a note saying why")
    wallet = one_as(
        conn, _Wallet, f"SELECT name, balance_cents FROM customers WHERE id = ?{conn.for_update}", (customer_id,)
    )
    if wallet is None:
        raise RuleViolation(f"No customer {customer_id}")
    before = wallet.balance_cents
    if before != seen_balance_cents:
        raise RuleViolation(
            f"The balance changed since this page was loaded ({format_cents(seen_balance_cents)} → "
            f"{format_cents(before)}): nothing was done; check the ledger and submit again if still needed"
        )
    after = service.adjust_balance(conn, name=wallet.name, amount=amount, note=f"{note.strip()} (by {actor.name})")
    record(
        conn,
        actor=actor,
        action="wallet.adjust",
        object_kind="customer",
        object_id=customer_id,
        before={"balance": format_cents(before)},
        after={"balance": str(after), "amount": str(amount)},
        note=note.strip(),
        request_id=request_id,
    )
    return to_cents(after)


@audited("customer.set_active", "customer")
def set_active(conn: Conn, *, actor: Actor, customer_id: int, active: bool, request_id: str | None = None) -> None:
    """Disable (the key stops working, web sessions end) or re-enable a customer."""
    require(actor.role, Permission.CUSTOMER_ACCESS)
    refuse_a_seen_form(conn, request_id=request_id)
    customer = profile(conn, customer_id=customer_id)
    service.set_active(conn, name=customer.name, active=active)
    if not active:
        end_subject_sessions(conn, realm=CUSTOMER_REALM, subject_id=customer_id)
    record(
        conn,
        actor=actor,
        action="customer.enable" if active else "customer.disable",
        object_kind="customer",
        object_id=customer_id,
        before={"active": customer.active},
        after={"active": active},
        request_id=request_id,
    )


@audited("customer.rotate_key", "customer")
def rotate_key(conn: Conn, *, actor: Actor, customer_id: int, request_id: str | None = None) -> str:
    """A new API key (returned once, for the operator to pass on); the old one stops working."""
    require(actor.role, Permission.MONEY)
    refuse_a_seen_form(conn, request_id=request_id)
    customer = profile(conn, customer_id=customer_id)
    key = service.rotate_key(conn, name=customer.name)
    record(
        conn,
        actor=actor,
        action="customer.rotate_key",
        object_kind="customer",
        object_id=customer_id,
        before={"key_prefix": customer.api_key_prefix},
        after={"key_prefix": key[:8]},
        request_id=request_id,
    )
    return key


@audited("customer.reset_link", "customer")
def issue_reset_link(
    conn: Conn, *, actor: Actor, customer_id: int, request_id: str | None = None
) -> tuple[str, str | None]:
    """A single-use reset token (one hour) for the customer; returns it and the email to send it to."""
    require(actor.role, Permission.CUSTOMER_ACCESS)
    refuse_a_seen_form(conn, request_id=request_id)
    customer = profile(conn, customer_id=customer_id)
    token = accounts.issue_reset_token(conn, customer_id=customer_id)
    record(
        conn,
        actor=actor,
        action="customer.reset_link",
        object_kind="customer",
        object_id=customer_id,
        after={"emailed_to": customer.email},
        request_id=request_id,
    )
    return token, customer.email
