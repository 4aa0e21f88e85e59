"""Catalog changes from the catalog page: add OTP countries and services, map providers to them, add
accounts categories and products (SMM services: ``admin/catalog_smm.py``). Owner-only and audited in the
change's own unit of work; each change is the same domain function the CLI calls (``flashpanel otp
countries add``, ``otp services add|map|unmap``, ``accounts categories add``, ``accounts products add``)."""

from __future__ import annotations

from decimal import Decimal

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.bounds import INTEGER, read_integer, within
from flashpanel.db.runner import Conn
from flashpanel.errors import RuleViolation
from flashpanel.otp import catalog as otp_catalog
from flashpanel.wallet.money import InvalidAmount, parse_amount, to_cents


def parse_money(text: str, *, what: str) -> Decimal:
    try:
        value = parse_amount(text)
    except InvalidAmount as exc:
        raise RuleViolation(f"{what} {exc}") from None
    if value < 0:
        raise RuleViolation(f"{what} must not be negative")
    return value


def parse_count(text: str, *, what: str) -> int:
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()):
        raise RuleViolation(f"{what} must be a whole number, got {text!r}")
    number = read_integer(stripped)
    if number is None or not within(number, INTEGER):
        raise RuleViolation(f"{what} is too large")
    return number


def start(conn: Conn, actor: Actor, request_id: str | None) -> None:
    """Every catalog change begins here: owners only, and a form sent before is refused."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)


@audited("catalog.otp.country.add", "otp_country")
def add_otp_country(conn: Conn, *, actor: Actor, name: str, code: str, request_id: str | None = None) -> int:
    start(conn, actor, request_id)
    country_id = otp_catalog.add_country(conn, name=name, code=code)
    record(
        conn,
        actor=actor,
        action="catalog.otp.country.add",
        object_kind="otp_country",
        object_id=country_id,
        after={"name": name.strip(), "code": code.strip().upper()},
        request_id=request_id,
    )
    return country_id


@audited("catalog.otp.add", "otp_service")
def add_otp_service(
    conn: Conn, *, actor: Actor, country: str, name: str, code: str, price: str, request_id: str | None = None
) -> int:
    start(conn, actor, request_id)
    amount = parse_money(price, what="Price")
    service_id = otp_catalog.add_service(conn, country=country, name=name, code=code, price=amount)
    record(
        conn,
        actor=actor,
        action="catalog.otp.add",
        object_kind="otp_service",
        object_id=service_id,
        after={"country": country.strip(), "name": name.strip(), "code": code.strip(), "price_cents": to_cents(amount)},
        request_id=request_id,
    )
    return service_id


@audited("catalog.accounts.category.add", "account_category")
def add_category(conn: Conn, *, actor: Actor, name: str, icon: str = "", request_id: str | None = None) -> int:
    start(conn, actor, request_id)
    category_id = accounts_catalog.add_category(conn, name=name, icon=icon)
    record(
        conn,
        actor=actor,
        action="catalog.accounts.category.add",
        object_kind="account_category",
        object_id=category_id,
        after={"name": name.strip(), "icon": icon.strip()},
        request_id=request_id,
    )
    return category_id


@audited("catalog.accounts.add", "account_product")
def add_product(
    conn: Conn,
    *,
    actor: Actor,
    category_id: str,
    name: str,
    price: str,
    min_quantity: str = "1",
    max_quantity: str = "10",
    description: str = "",
    request_id: str | None = None,
) -> int:
    start(conn, actor, request_id)
    price_cents = to_cents(parse_money(price, what="Price"))
    product_id = accounts_catalog.add_product(
        conn,
        category_id=parse_count(category_id, what="Category"),
        name=name,
        price_cents=price_cents,
        min_quantity=parse_count(min_quantity, what="Min"),
        max_quantity=parse_count(max_quantity, what="Max"),
        description=description,
    )
    product = accounts_catalog.get_product(conn, product_id=product_id)
    record(
        conn,
        actor=actor,
        action="catalog.accounts.add",
        object_kind="account_product",
        object_id=product_id,
        after={
            "category_id": product.category_id,
            "name": product.name,
            "price_cents": product.price_cents,
            "min_quantity": product.min_quantity,
            "max_quantity": product.max_quantity,
        },
        request_id=request_id,
    )
    return product_id


@audited("catalog.otp.map", "otp_service")
def map_otp_provider(
    conn: Conn,
    *,
    actor: Actor,
    service_id: str,
    provider: str,
    upstream_country: str,
    upstream_service: str,
    priority: str = "0",
    request_id: str | None = None,
) -> None:
    """As ``flashpanel otp services map``: let a provider sell the service (re-mapping updates its codes)."""
    start(conn, actor, request_id)
    service = parse_count(service_id, what="Service")
    rank = parse_count(priority, what="Priority")
    otp_catalog.map_provider(
        conn,
        service_id=service,
        provider=provider,
        upstream_country=upstream_country,
        upstream_service=upstream_service,
        priority=rank,
    )
    record(
        conn,
        actor=actor,
        action="catalog.otp.map",
        object_kind="otp_service",
        object_id=service,
        after={
            "provider": provider.strip(),
            "upstream_country": upstream_country.strip(),
            "upstream_service": upstream_service.strip(),
            "priority": rank,
        },
        request_id=request_id,
    )


@audited("catalog.otp.unmap", "otp_service")
def unmap_otp_provider(
    conn: Conn, *, actor: Actor, service_id: int, provider: str, request_id: str | None = None
) -> None:
    """As ``flashpanel otp services unmap``: numbers the provider already sold are followed to the end."""
    start(conn, actor, request_id)
    otp_catalog.unmap_provider(conn, service_id=service_id, provider=provider)
    record(
        conn,
        actor=actor,
        action="catalog.otp.unmap",
        object_kind="otp_service",
        object_id=service_id,
        before={"provider": provider.strip()},
        request_id=request_id,
    )
