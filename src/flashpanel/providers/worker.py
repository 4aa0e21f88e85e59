"""The catalog-sync background loop: once per ``SYNC_INTERVAL_SECONDS`` per active SMM v2 provider that
has imported services, fetch its ``services`` list and apply :func:`catalog_sync.sync_services`."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

from flashpanel.db.runner import Conn
from flashpanel.providers import catalog_sync
from flashpanel.providers.base import ProviderError
from flashpanel.providers.capabilities import catalog_source
from flashpanel.providers.kinds import SMM_V2
from flashpanel.providers.registry import smm_provider
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop

log = logging.getLogger("flashpanel.providers.worker")

SYNC_INTERVAL_SECONDS = 3600.0
# After a failed fetch, try that provider again sooner than a full interval.
RETRY_SECONDS = 300.0


def _due_providers(conn: Conn) -> list[tuple[int, str, Decimal]]:
    rows = conn.all(
        "SELECT p.id, p.name, p.exchange_rate FROM providers p WHERE p.active AND p.kind = ? "
        "AND EXISTS (SELECT 1 FROM smm_services s WHERE s.provider_id = p.id) ORDER BY p.id",
        (SMM_V2,),
    )
    return [(int(r["id"]), r["name"], Decimal(r["exchange_rate"])) for r in rows]


async def sync_catalogs(state: AppState, *, force: bool = False) -> int:
    """One pass: sync every provider whose turn has come; returns how many were synced."""
    next_at = state.catalog_sync_next_at
    clock = time.monotonic()
    synced = 0
    for provider_id, name, exchange_rate in await state.db.read(_due_providers):
        if not force and next_at.get(provider_id, 0.0) > clock:
            continue
        provider = catalog_source(await smm_provider(state, provider_id))
        if provider is None:
            continue
        try:
            listing = await provider.services()
        except ProviderError as exc:
            log.warning("catalog sync of %s failed: %s", name, exc.message)
            next_at[provider_id] = clock + RETRY_SECONDS
            continue
        report = await state.db.write(
            catalog_sync.sync_services,
            provider_id=provider_id,
            exchange_rate=exchange_rate,
            services=listing.services,
            rejected=listing.rejected,
        )
        for rejected in report.rejected:
            log.warning("catalog sync of %s: upstream service %r skipped: %s", name, rejected.service, rejected.reason)
        log.info(
            "catalog sync of %s: %d updated, %d disabled, %d repriced, %d skipped as unreadable",
            name, report.updated, report.disabled, len(report.repriced), len(report.rejected),
        )  # fmt: skip
        next_at[provider_id] = clock + SYNC_INTERVAL_SECONDS
        synced += 1
    return synced


async def _run_once(state: AppState) -> int:
    return await sync_catalogs(state)


LOOPS: list[Loop] = [Loop("catalog-sync", _run_once)]
