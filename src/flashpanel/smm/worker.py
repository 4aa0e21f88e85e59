"""Background loops of the SMM domain, started by ``flashpanel.worker``: submission, status sync, and the
count of orders flagged for the operator.

Each ``run_once`` handles one bounded batch; the provider is called outside any transaction, and
every outcome is stored by a unit of work in :mod:`flashpanel.smm.fulfilment`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from flashpanel.db.retry import retrying
from flashpanel.db.runner import now
from flashpanel.metrics import ORDERS_ATTENTION
from flashpanel.providers import registry
from flashpanel.providers.base import ProviderError, one_line
from flashpanel.providers.catalog_sync import cost_text
from flashpanel.smm import admin, fulfilment
from flashpanel.smm.fulfilment import Claim, Tracked
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop

log = logging.getLogger("flashpanel.smm.worker")
T = TypeVar("T")


async def _store(state: AppState, fn: Callable[..., T], /, *, claim: Claim, **kwargs: Any) -> T:
    """Store a submission's outcome, retrying when the database fails under it (e.g. a PostgreSQL
    restart dropped the connection). The upstream has answered by now, so giving up would leave the
    claim to go stale and be refunded in full although the upstream may have the order. Both outcome
    units are safe to repeat: they act only while the order still holds this claim."""
    return await retrying(
        lambda: state.db.write(fn, claim=claim, **kwargs), what=f"storing smm order {claim.order_id}'s submission"
    )


async def _submit_one(state: AppState, claim: Claim) -> None:
    try:
        provider = await registry.smm_provider(state, claim.provider_id)
        submission = await provider.submit(
            upstream_service=claim.upstream_service,
            link=claim.link,
            quantity=claim.quantity,
            runs=claim.runs,
            interval=claim.interval_minutes,
        )
    except ProviderError as exc:
        error = exc
    except Exception as exc:  # an adapter bug or transport fault: retry, never lose the order
        log.exception("smm order %s: submission raised unexpectedly", claim.order_id)
        error = ProviderError(f"{exc.__class__.__name__}: {exc}", retryable=True)
    else:
        # At most 32 characters, the column's width, whatever precision the upstream sent.
        cost = None if submission.cost is None else cost_text(submission.cost)
        await _store(
            state,
            fulfilment.record_submitted,
            claim=claim,
            upstream_order_id=submission.upstream_order_id,
            cost=cost,
            at=now(),
        )
        log.info("smm order %s submitted as %s", claim.order_id, one_line(submission.upstream_order_id))
        return
    cancelled = await _store(state, fulfilment.record_submit_failure, claim=claim, error=error, at=now())
    if cancelled is not None:
        log.warning("smm order %s cancelled and refunded: %s", claim.order_id, error.message)
    else:
        log.info("smm order %s submission failed, will retry: %s", claim.order_id, error.message)


async def submit_pending(state: AppState) -> int:
    """Resolve stale claims, then claim due pending orders and hand each to its provider."""
    at = now()
    stale = await state.db.write(fulfilment.resolve_stale_submissions, at=at)
    for applied in stale:
        log.warning("smm order %s: submission outcome unknown; cancelled and refunded", applied.order_id)
    claims = await state.db.write(fulfilment.claim_for_submission, at=at)
    results = await asyncio.gather(*(_submit_one(state, claim) for claim in claims), return_exceptions=True)
    for claim, result in zip(claims, results, strict=True):
        if isinstance(result, BaseException):  # storing the outcome failed: the claim stays, resolved when stale
            log.error("smm order %s: storing the submission outcome failed", claim.order_id, exc_info=result)
    return len(stale) + len(claims)


async def _sync_provider(state: AppState, provider_id: int | None, orders: list[Tracked]) -> None:
    try:
        provider = await registry.smm_provider(state, provider_id)
        answers = await provider.fetch_progress([o.upstream_order_id for o in orders])
    except Exception as exc:
        message = exc.message if isinstance(exc, ProviderError) else one_line(f"{exc.__class__.__name__}: {exc}")
        log.warning("smm status sync with provider %s failed: %s", provider_id, message)
        await state.db.write(
            fulfilment.postpone,
            order_ids=[o.order_id for o in orders],
            message=f"status check failed: {message}",
            at=now(),
        )
        return
    at = now()
    for order in orders:
        answer = answers.get(order.upstream_order_id)
        if answer is None:
            answer = ProviderError("no answer for this order", retryable=True)
        try:
            applied = await state.db.write(
                fulfilment.apply_progress, order=order, progress=answer, at=at, unknown_rule=_unknown_rule(state)
            )
        except Exception:  # one bad row must not hold up the batch; its lease expires and it is retried
            log.exception("smm order %s: applying its status failed", order.order_id)
            continue
        if fulfilment.is_terminal(applied):
            assert applied is not None
            log.info("smm order %s %s (refunded %s cents)", order.order_id, applied.status, applied.refunded_cents)


def _unknown_rule(state: AppState) -> fulfilment.UnknownOrderRule:
    settings = state.settings
    return fulfilment.UnknownOrderRule(
        answers=settings.unknown_order_attention_after, seconds=settings.unknown_order_attention_seconds
    )


async def sync_statuses(state: AppState) -> int:
    """Ask providers about due in-flight orders (up to 100 per pass) and apply the answers."""
    leased = await state.db.write(fulfilment.lease_for_sync, at=now())
    by_provider: dict[int | None, list[Tracked]] = defaultdict(list)
    for order in leased:
        by_provider[order.provider_id].append(order)
    results = await asyncio.gather(
        *(_sync_provider(state, pid, orders) for pid, orders in by_provider.items()), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException):
            log.error("smm status sync failed", exc_info=result)
    return len(leased)


async def count_attention(state: AppState) -> int:
    """Publish how many orders wait for the operator (``flashpanel_orders_attention{line="smm"}``)."""
    ORDERS_ATTENTION.labels("smm").set(await state.db.read(admin.attention_count))
    return 0


SUBMISSION = Loop("smm-submission", submit_pending)
STATUS_SYNC = Loop("smm-status-sync", sync_statuses)
ATTENTION = Loop("smm-attention", count_attention)
LOOPS: list[Loop] = [SUBMISSION, STATUS_SYNC, ATTENTION]
