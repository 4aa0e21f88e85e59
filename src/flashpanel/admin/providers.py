"""Providers changed from the back office: a new provider, a new URL, a replaced key (write-only: never
shown, never audited), an import of an SMM provider's services with a markup and a sync of the imported
ones. Owner-only, audited; the work is ``providers.service`` and ``providers.catalog_sync``'s, as for
``flashpanel providers add|update``, ``smm services import-from`` and the catalog-sync loop."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flashpanel.admin.actions import audited, perform
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import NotPermitted, Permission, require
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RuleViolation
from flashpanel.providers import catalog_sync, service
from flashpanel.providers.base import UpstreamCatalog
from flashpanel.providers.kinds import SMM_V2
from flashpanel.state import AppState


@audited("provider.add", "provider")
def add_provider(
    conn: Conn,
    *,
    actor: Actor,
    name: str,
    kind: str,
    url: str,
    api_key: str,
    exchange_rate: str,
    secrets: SecretBox,
    currency: str = "USD",
    request_id: str | None = None,
) -> service.ProviderInfo:
    """``flashpanel providers add`` from the back office; the key is stored encrypted and never audited."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    info = service.add_provider(
        conn,
        secrets=secrets,
        name=name,
        kind=kind,
        url=url,
        api_key=api_key,
        currency=currency,
        exchange_rate=service.parse_exchange_rate(exchange_rate.strip() or "1"),
    )
    record(
        conn,
        actor=actor,
        action="provider.add",
        object_kind="provider",
        object_id=info.name,
        after={"kind": info.kind, "url": info.url, "currency": info.currency, "exchange_rate": str(info.exchange_rate)},
        request_id=request_id,
    )
    return info


@audited("provider.update", "provider")
def update_provider(
    conn: Conn,
    *,
    actor: Actor,
    name: str,
    secrets: SecretBox,
    url: str | None,
    api_key: str | None,
    exchange_rate: str | None = None,
    request_id: str | None = None,
) -> None:
    """``flashpanel providers update`` (address, key) and ``providers set-rate`` (exchange rate) in one form."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    before = service.get_provider_or_raise(conn, name=name)
    rate = service.parse_exchange_rate(exchange_rate) if exchange_rate is not None else None
    if rate is not None and rate == before.exchange_rate:
        rate = None  # the form shows the current rate: sending it back changes nothing
    after = before
    if url is not None or api_key is not None or rate is None:
        after = service.update_provider(conn, secrets=secrets, name=name, url=url, api_key=api_key)
    if rate is not None:
        after = service.set_exchange_rate(conn, name=name, exchange_rate=rate)
    record(
        conn,
        actor=actor,
        action="provider.update",
        object_kind="provider",
        object_id=name,
        before={"url": before.url, "exchange_rate": str(before.exchange_rate)},
        after={"url": after.url, "exchange_rate": str(after.exchange_rate), "key_replaced": api_key is not None},
        request_id=request_id,
    )


def parse_markup(text: str) -> Decimal:
    try:
        markup = Decimal(text.strip())
    except InvalidOperation:
        raise RuleViolation(f"Markup must be a percentage like 25 or 12.5, got {text!r}") from None
    if not markup.is_finite() or markup < 0:
        raise RuleViolation("Markup must be a percentage of zero or more (prices never go below cost)")
    return markup


@audited("catalog.smm.import", "provider")
def import_listing(
    conn: Conn,
    *,
    actor: Actor,
    name: str,
    listing: UpstreamCatalog,
    markup: Decimal,
    request_id: str | None = None,
) -> catalog_sync.CatalogReport:
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    row = service.provider_row(conn, name=name)
    report = catalog_sync.import_services(
        conn,
        provider_id=row.id,
        exchange_rate=row.exchange_rate,
        services=listing.services,
        markup_percent=markup,
        rejected=listing.rejected,
    )
    record(
        conn,
        actor=actor,
        action="catalog.smm.import",
        object_kind="provider",
        object_id=name,
        after={
            "markup": str(markup),
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        },
        request_id=request_id,
    )
    return report


@audited("catalog.smm.sync", "provider")
def sync_listing(
    conn: Conn,
    *,
    actor: Actor,
    name: str,
    listing: UpstreamCatalog,
    request_id: str | None = None,
) -> catalog_sync.CatalogReport:
    """What the catalog-sync loop does for one provider, now: imported services follow the upstream's
    cost, limits and flags; vanished ones are disabled; prices below the new cost are raised."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    row = service.provider_row(conn, name=name)
    report = catalog_sync.sync_services(
        conn,
        provider_id=row.id,
        exchange_rate=row.exchange_rate,
        services=listing.services,
        rejected=listing.rejected,
    )
    record(
        conn,
        actor=actor,
        action="catalog.smm.sync",
        object_kind="provider",
        object_id=name,
        after={
            "updated": report.updated,
            "disabled": report.disabled,
            "repriced": len(report.repriced),
            "rejected": len(report.rejected),
        },
        request_id=request_id,
    )
    return report


async def _require_catalog(db: Database, *, actor: Actor, action: str, name: str) -> None:
    """Refuse (and audit the refusal) before the upstream is called at all."""
    try:
        require(actor.role, Permission.CATALOG)
    except NotPermitted as exc:
        await db.write(
            record,
            actor=actor,
            action=action,
            object_kind="provider",
            object_id=name,
            after={"refused": exc.message},
            outcome="refused",
        )
        raise


async def _listing(state: AppState, *, name: str) -> UpstreamCatalog:
    """The provider's services, fetched outside any transaction (it waits on the network)."""
    row = await state.db.read(service.provider_row, name=name)
    if row.kind != SMM_V2:
        raise RuleViolation(f"Provider {name!r} is {row.kind}; services are imported from smm-v2 providers")
    from flashpanel.providers.smm_v2 import SmmV2Provider  # loads httpx: only when an upstream is asked

    adapter = service.adapter_for(row, state.secrets)
    assert isinstance(adapter, SmmV2Provider)
    return await adapter.services()


async def sync_now(state: AppState, *, actor: Actor, name: str, request_id: str | None) -> catalog_sync.CatalogReport:
    await _require_catalog(state.db, actor=actor, action="catalog.smm.sync", name=name)
    listing = await _listing(state, name=name)
    report: catalog_sync.CatalogReport = await perform(
        state.db, sync_listing, actor=actor, name=name, listing=listing, request_id=request_id
    )
    return report


async def import_from(
    state: AppState, *, actor: Actor, name: str, markup: Decimal, request_id: str | None
) -> catalog_sync.CatalogReport:
    """Fetch the provider's services (outside any transaction: it waits on the network), then import."""
    await _require_catalog(state.db, actor=actor, action="catalog.smm.import", name=name)
    listing = await _listing(state, name=name)
    report: catalog_sync.CatalogReport = await perform(
        state.db, import_listing, actor=actor, name=name, listing=listing, markup=markup, request_id=request_id
    )
    return report
