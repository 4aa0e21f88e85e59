"""The reconciler: never rely on the webhook alone. Pending top-ups older than
``FLASHPANEL_TOPUP_RECHECK_SECONDS`` are verified with their gateway (through the one credit path),
at most once per that interval each; those still unpaid after ``FLASHPANEL_TOPUP_EXPIRE_MINUTES`` expire
(an expired top-up paid later is still credited by the next webhook, return or re-check)."""

from __future__ import annotations

import logging

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database, now
from flashpanel.metrics import TOPUP_OUTCOMES
from flashpanel.payments.credit import confirm_topup
from flashpanel.payments.gateways import gateways_of
from flashpanel.payments.gateways.base import Gateway
from flashpanel.payments.topups import COLUMNS, GATEWAYS, Topup, as_topup, set_status
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop

log = logging.getLogger("flashpanel.payments")
BATCH = 20


def due_for_check(conn: Conn, *, older_than: float, limit: int) -> list[Topup]:
    marks = ", ".join("?" for _ in GATEWAYS)
    rows = conn.all(
        f"SELECT {COLUMNS} FROM topups WHERE status = 'pending' AND gateway IN ({marks}) AND created_at <= ? "
        "AND (checked_at IS NULL OR checked_at <= ?) ORDER BY created_at LIMIT ?",
        (*GATEWAYS, older_than, older_than, limit),
    )
    return [as_topup(r) for r in rows]


async def reconcile(db: Database, settings: Settings, gateways: dict[str, Gateway], *, limit: int = BATCH) -> int:
    """One pass: verify the due pending top-ups, expire the stale ones. Returns how many were credited or
    expired (the number of top-ups merely checked is not counted, so the loop then sleeps)."""
    at = now()
    due = await db.read(due_for_check, older_than=at - settings.topup_recheck_seconds, limit=limit)
    changed = 0
    expire_before = at - settings.topup_expire_minutes * 60
    for topup in due:
        result = await confirm_topup(db, gateways, reference=topup.reference, gateway=topup.gateway)
        if result.credited_now:
            changed += 1
        elif (
            result.status == "pending"
            and result.problem is None
            and topup.created_at <= expire_before
            and await db.write(set_status, topup_id=topup.id, from_statuses=("pending",), to="expired")
        ):
            log.info("top-up %s expired unpaid", topup.reference)
            TOPUP_OUTCOMES.labels(topup.gateway, "expired").inc()
            changed += 1
    return changed


async def reconcile_once(state: AppState) -> int:
    gateways = gateways_of(state)
    if not gateways:
        return 0
    return await reconcile(state.db, state.settings, gateways)


LOOPS = [Loop("payments-reconcile", reconcile_once)]
