"""The catalog and providers as the back office shows and changes them: SMM services with their margin
(thin and negative margins flagged), bulk enable/disable, providers with status and their last known
balance. Changes are owner-only and audited; they go through ``smm.catalog`` and ``providers.service``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import msgspec

from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.orders import BULK_LIMIT
from flashpanel.admin.roles import Permission, require
from flashpanel.db.runner import Conn
from flashpanel.db.typed import as_struct
from flashpanel.errors import RuleViolation
from flashpanel.providers import service as providers
from flashpanel.providers.catalog_sync import sell_rate_cents
from flashpanel.smm import catalog as smm_catalog
from flashpanel.state import AppState
from flashpanel.wallet.money import to_cents

THIN_MARGIN_PERCENT = Decimal(10)


class _ServiceCost(msgspec.Struct, frozen=True):
    """What repricing reads of a service: its upstream cost (verbatim text), provider and price."""

    cost_rate: str | None
    provider_id: int | None
    rate_cents: int


class _ServiceListing(_ServiceCost, frozen=True):
    """A service as ``smm.catalog.all_services`` lists it, with its provider's name."""

    id: int
    name: str
    category: str
    provider: str | None
    upstream_service: str | None
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    active: bool


@dataclass(frozen=True, slots=True)
class ServiceLine:
    id: int
    name: str
    category: str
    provider: str | None
    upstream_service: str | None
    cost_cents: int | None  # upstream cost per 1000 in the panel's currency, when recorded
    rate_cents: int
    margin_percent: Decimal | None
    margin: str  # "negative" | "thin" | "ok" | "unknown"
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    active: bool


def margin_of(rate_cents: int, cost_cents: int | None) -> tuple[Decimal | None, str]:
    """The margin of a price over a cost, in percent, and its flag: negative, thin (under 10%), ok, unknown."""
    if cost_cents is None or rate_cents <= 0:
        return None, "unknown"
    percent = (Decimal(rate_cents - cost_cents) * 100 / rate_cents).quantize(Decimal("0.1"))
    if percent < 0:
        return percent, "negative"
    return percent, "thin" if percent < THIN_MARGIN_PERCENT else "ok"


def smm_services(conn: Conn, *, search: str = "", limit: int | None = None) -> list[ServiceLine]:
    """SMM services with their cost in the panel's currency and margin (``search``/``limit``: as
    ``smm.catalog.all_services``)."""
    rates = {p.id: p.exchange_rate for p in providers.list_providers(conn)}
    lines = []
    for row in smm_catalog.all_services(conn, search=search, limit=limit):
        r = as_struct(row, _ServiceListing)
        cost_cents = None
        if r.cost_rate is not None and r.provider_id is not None:
            try:
                cost_cents = to_cents(Decimal(r.cost_rate) * rates.get(r.provider_id, Decimal(1)))
            except InvalidOperation:
                cost_cents = None
        percent, flag = margin_of(r.rate_cents, cost_cents)
        lines.append(
            ServiceLine(
                id=r.id,
                name=r.name,
                category=r.category,
                provider=r.provider,
                upstream_service=r.upstream_service,
                cost_cents=cost_cents,
                rate_cents=r.rate_cents,
                margin_percent=percent,
                margin=flag,
                min_quantity=r.min_quantity,
                max_quantity=r.max_quantity,
                refill=r.refill,
                cancel=r.cancel,
                dripfeed=r.dripfeed,
                active=r.active,
            )
        )
    return lines


@audited("catalog.smm.set_active", "smm_service")
def set_services_active(
    conn: Conn, *, actor: Actor, service_ids: list[int], active: bool, request_id: str | None = None
) -> int:
    """Enable or disable up to 100 SMM services at once; returns how many changed."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    if not service_ids or len(service_ids) > BULK_LIMIT:
        raise RuleViolation(f"Select between 1 and {BULK_LIMIT} services")
    changed = []
    for service_id in service_ids:
        before = smm_catalog.get_service(conn, service_id=service_id)
        if bool(before["active"]) != active:
            smm_catalog.set_active(conn, service_id=service_id, active=active)
            changed.append(service_id)
    record(
        conn,
        actor=actor,
        action="catalog.smm.enable" if active else "catalog.smm.disable",
        object_kind="smm_service",
        object_id=",".join(str(i) for i in service_ids)[:64],
        after={"changed": changed, "active": active},
        request_id=request_id,
    )
    return len(changed)


@audited("provider.set_active", "provider")
def set_provider_active(
    conn: Conn, *, actor: Actor, name: str, active: bool, request_id: str | None = None
) -> providers.ProviderInfo:
    """Enable, or disable (no new orders; orders in flight continue), a provider."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    before = providers.get_provider_or_raise(conn, name=name)
    info = providers.set_active(conn, name=name, active=active)
    record(
        conn,
        actor=actor,
        action="provider.enable" if active else "provider.disable",
        object_kind="provider",
        object_id=name,
        before={"active": before.active},
        after={"active": active},
        request_id=request_id,
    )
    return info


@audited("catalog.smm.markup", "smm_service")
def apply_markup(
    conn: Conn, *, actor: Actor, service_ids: list[int], markup: Decimal, request_id: str | None = None
) -> int:
    """Reprice up to 100 SMM services at upstream cost (panel currency) plus ``markup`` percent, never
    below cost (``providers.catalog_sync.sell_rate_cents``). Services without a recorded cost are left
    as they are. Returns how many were repriced; existing orders keep what they were charged."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    if not service_ids or len(service_ids) > BULK_LIMIT:
        raise RuleViolation(f"Select between 1 and {BULK_LIMIT} services")
    rates = {p.id: p.exchange_rate for p in providers.list_providers(conn)}
    changed: dict[int, tuple[int, int]] = {}
    for service_id in service_ids:
        service = as_struct(smm_catalog.get_service(conn, service_id=service_id), _ServiceCost)
        if service.cost_rate is None or service.provider_id is None:
            continue
        new_rate = sell_rate_cents(Decimal(service.cost_rate), rates[service.provider_id], markup)
        smm_catalog.update_service(conn, service_id=service_id, changes={"rate": Decimal(new_rate) / 100})
        changed[service_id] = (service.rate_cents, new_rate)
    record(
        conn,
        actor=actor,
        action="catalog.smm.markup",
        object_kind="smm_service",
        object_id=",".join(str(i) for i in service_ids)[:64],
        before={str(k): v[0] for k, v in changed.items()},
        after={"markup": str(markup), **{str(k): v[1] for k, v in changed.items()}},
        request_id=request_id,
    )
    return len(changed)


@dataclass(frozen=True, slots=True)
class ProviderBalance:
    amount: Decimal | None
    currency: str
    checked_at: float
    error: str | None = None

    @property
    def age_seconds(self) -> float:
        return time.time() - self.checked_at


def cached_balances(state: AppState) -> dict[str, ProviderBalance]:
    """The balances this process last read from each provider (the dashboard shows them with their age)."""
    return state.provider_balances


async def check_balance(state: AppState, *, name: str) -> ProviderBalance:
    """Ask the provider for its balance now and remember the answer (or the failure)."""
    row = await state.db.read(providers.provider_row, name=name)
    try:
        adapter = providers.adapter_for(row, state.secrets)
        answer = await adapter.balance()
        balance = ProviderBalance(answer.amount, answer.currency or row.currency or "", time.time())
    except Exception as exc:  # an upstream down or refusing: shown, not raised
        balance = ProviderBalance(None, row.currency or "", time.time(), error=str(exc)[:200])
    cached_balances(state)[name] = balance
    return balance


def low_balances(
    balances: dict[str, ProviderBalance], rates: dict[str, Decimal], *, threshold: int
) -> list[tuple[str, Decimal]]:
    """Providers whose last known balance, in the panel's currency, is below ``threshold`` (0: never)."""
    if threshold <= 0:
        return []
    low = []
    for name, balance in sorted(balances.items()):
        if balance.amount is not None:
            in_panel = balance.amount * rates.get(name, Decimal(1))
            if in_panel < threshold:
                low.append((name, in_panel))
    return low
