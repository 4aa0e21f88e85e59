"""Background loops for what customers ask of orders their provider has: forward refills, poll them,
forward cancels.

Providers are called outside any transaction; every outcome is stored by a unit of work in
:mod:`flashpanel.smm.refill` or :mod:`flashpanel.smm.cancel`. Refill and cancel are capabilities a
provider may lack (:mod:`flashpanel.providers.capabilities`): one without refill (the built-in simulator,
which always delivers in full) completes refills at once; one without cancel leaves the order running
and the refusal noted on it.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from flashpanel.db.runner import now
from flashpanel.providers import registry
from flashpanel.providers.base import ProviderError
from flashpanel.providers.capabilities import canceller, refiller
from flashpanel.smm import cancel as cancels
from flashpanel.smm import refill as refills
from flashpanel.smm.refill import RefillJob
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop

log = logging.getLogger("flashpanel.smm.forwarding")


def refill_backoff(attempts: int) -> float:
    return float(min(600, 5 * 2 ** max(0, attempts - 1)))


def _as_provider_error(exc: Exception) -> ProviderError:
    return exc if isinstance(exc, ProviderError) else ProviderError(f"{type(exc).__name__}: {exc}", retryable=True)


async def _forward_refill(state: AppState, job: RefillJob) -> None:
    at = now()
    try:
        provider = refiller(await registry.smm_provider(state, job.provider_id))
        if provider is None:
            await state.db.write(refills.record_outcome, job=job, status="completed", at=at)
            return
        if job.upstream_order_id is None:
            raise ProviderError("the order has no upstream id", retryable=False)
        upstream_refill_id = await provider.refill(job.upstream_order_id)
    except Exception as exc:
        error = _as_provider_error(exc)
        if error.retryable and job.attempts < refills.MAX_FORWARD_ATTEMPTS:
            await state.db.write(
                refills.record_outcome,
                job=job,
                status="pending",
                at=now(),
                note=f"refill forwarding failed: {error.message}"[:1000],
                retry_in=refill_backoff(job.attempts),
            )
        else:
            await state.db.write(
                refills.record_outcome,
                job=job,
                status="rejected",
                at=now(),
                note=f"refill refused: {error.message}"[:1000],
            )
        return
    await state.db.write(
        refills.record_outcome, job=job, status="in_progress", at=now(), upstream_refill_id=upstream_refill_id
    )


async def forward_refills(state: AppState) -> int:
    """Hand due pending refills to their providers."""
    jobs = await state.db.write(refills.lease_due, status="pending", at=now())
    for job in jobs:
        await _forward_refill(state, job)
    return len(jobs)


async def _poll_refills(state: AppState, provider_id: int | None, jobs: list[RefillJob]) -> None:
    ids = [job.upstream_refill_id for job in jobs if job.upstream_refill_id]
    try:
        provider = refiller(await registry.smm_provider(state, provider_id))
        if provider is None:
            raise ProviderError("this provider cannot refill orders", retryable=True)
        answers = await provider.refill_status(ids) if ids else {}
    except Exception as exc:
        message = _as_provider_error(exc).message
        for job in jobs:
            await state.db.write(
                refills.record_outcome,
                job=job,
                status=job.status,
                at=now(),
                note=f"refill status check failed: {message}"[:1000],
            )
        return
    for job in jobs:
        answer = answers.get(job.upstream_refill_id) if job.upstream_refill_id else None
        if isinstance(answer, ProviderError):
            note = f"refill status check: {answer.message}"[:1000]
            status = job.status if answer.retryable else "rejected"
            await state.db.write(refills.record_outcome, job=job, status=status, at=now(), note=note)
        else:
            progress = refills.upstream_progress(answer) if answer is not None else "in_progress"
            await state.db.write(refills.record_outcome, job=job, status=progress, at=now())


async def sync_refills(state: AppState) -> int:
    """Ask providers about due in-progress refills (grouped per provider) and store the answers."""
    jobs = await state.db.write(refills.lease_due, status="in_progress", at=now())
    by_provider: dict[int | None, list[RefillJob]] = defaultdict(list)
    for job in jobs:
        by_provider[job.provider_id].append(job)
    for provider_id, group in by_provider.items():
        await _poll_refills(state, provider_id, group)
    return len(jobs)


async def forward_cancels(state: AppState) -> int:
    """Hand recorded cancel requests to the providers that hold the orders (at most once each)."""
    requests = await state.db.write(cancels.lease_requests, at=now())
    by_provider: dict[int | None, list[cancels.CancelRequest]] = defaultdict(list)
    for request in requests:
        by_provider[request.provider_id].append(request)
    refusals: dict[int, str] = {}
    for provider_id, group in by_provider.items():
        try:
            provider = canceller(await registry.smm_provider(state, provider_id))
            if provider is None:
                refusals.update({r.order_id: "this provider cannot cancel orders" for r in group})
                continue
            answers = await provider.cancel([r.upstream_order_id for r in group])
        except Exception as exc:
            message = _as_provider_error(exc).message
            refusals.update({r.order_id: message for r in group})
            continue
        for request in group:
            answer = answers.get(request.upstream_order_id)
            if isinstance(answer, ProviderError):
                refusals[request.order_id] = answer.message
            elif answer is False:
                refusals[request.order_id] = "the provider refused to cancel"
    if refusals:
        await state.db.write(cancels.record_refusals, refusals=refusals, at=now())
    return len(requests)


REFILL_FORWARDING = Loop("smm-refill-forwarding", forward_refills)
REFILL_SYNC = Loop("smm-refill-sync", sync_refills)
CANCEL_FORWARDING = Loop("smm-cancel-forwarding", forward_cancels)
LOOPS: list[Loop] = [REFILL_FORWARDING, REFILL_SYNC, CANCEL_FORWARDING]
