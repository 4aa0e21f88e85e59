"""OTP services as the back office's catalog shows them: each with its providers, the price a provider
last quoted for a number (in the panel's currency, with its age) and the margin it leaves, thin and
negative margins flagged as for SMM services; and "Check costs now", which asks the providers at once
(``otp/quotes.py``, as the worker does hourly) and audits who asked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import msgspec

from flashpanel.admin.actions import audited, perform
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.catalog import margin_of
from flashpanel.admin.roles import Permission, require
from flashpanel.db.runner import Conn
from flashpanel.db.typed import all_as
from flashpanel.otp import quotes
from flashpanel.state import AppState
from flashpanel.wallet.money import to_cents

CHECK_COSTS = "catalog.otp.check_costs"


class _Listed(msgspec.Struct, frozen=True):
    id: int
    country: str
    name: str
    code: str
    price_cents: int
    active: bool
    provider: str | None
    priority: int | None
    quoted_cost: str | None
    quoted_at: float | None
    exchange_rate: str | None


@dataclass(frozen=True, slots=True)
class OtpLine:
    """One OTP service with one of its providers (a service with none is one line without a provider)."""

    id: int
    country: str
    name: str
    code: str
    price_cents: int
    active: bool
    provider: str | None
    priority: int | None
    cost_cents: int | None  # the provider's last quote for one number, in the panel's currency
    quoted_at: float | None
    margin_percent: Decimal | None
    margin: str  # "negative" | "thin" | "ok" | "unknown"


def _cost_cents(quoted_cost: str | None, exchange_rate: str | None) -> int | None:
    if quoted_cost is None or exchange_rate is None:
        return None
    try:
        return to_cents(Decimal(quoted_cost) * Decimal(exchange_rate))
    except InvalidOperation:
        return None


def otp_lines(conn: Conn) -> list[OtpLine]:
    rows = all_as(
        conn,
        _Listed,
        "SELECT s.id, c.name AS country, s.name, s.code, s.price_cents, s.active, p.name AS provider, m.priority, "
        "m.quoted_cost, m.quoted_at, p.exchange_rate FROM otp_services s "
        "JOIN otp_countries c ON c.id = s.country_id LEFT JOIN otp_service_providers m ON m.otp_service_id = s.id "
        "LEFT JOIN providers p ON p.id = m.provider_id ORDER BY c.name, s.name, m.priority",
    )
    lines = []
    for r in rows:
        cost_cents = _cost_cents(r.quoted_cost, r.exchange_rate)
        percent, flag = margin_of(r.price_cents, cost_cents)
        lines.append(
            OtpLine(
                id=r.id,
                country=r.country,
                name=r.name,
                code=r.code,
                price_cents=r.price_cents,
                active=r.active,
                provider=r.provider,
                priority=r.priority,
                cost_cents=cost_cents,
                quoted_at=r.quoted_at,
                margin_percent=percent,
                margin=flag,
            )
        )
    return lines


@audited(CHECK_COSTS, "otp_catalog")
def _allowed(conn: Conn, *, actor: Actor, request_id: str | None = None) -> None:
    require(actor.role, Permission.VIEW)
    refuse_a_seen_form(conn, request_id=request_id)


@audited(CHECK_COSTS, "otp_catalog")
def _record_checked(conn: Conn, *, actor: Actor, checked: quotes.Checked, request_id: str | None = None) -> None:
    refuse_a_seen_form(conn, request_id=request_id)
    record(
        conn,
        actor=actor,
        action=CHECK_COSTS,
        object_kind="otp_catalog",
        after={"answered": checked.asked, "failed": checked.failed[:20]},
        request_id=request_id,
    )


async def check_costs(state: AppState, *, actor: Actor, request_id: str | None) -> quotes.Checked:
    """Ask every mapped provider for its price now. Any operator may: it only asks, and the prices it
    stores are shown, never charged. A form sent twice asks twice at most and is recorded once."""
    await perform(state.db, _allowed, actor=actor, request_id=request_id)
    checked = await quotes.check_quotes(state)
    await perform(state.db, _record_checked, actor=actor, checked=checked, request_id=request_id)
    return checked
