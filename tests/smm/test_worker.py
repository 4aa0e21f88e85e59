"""The SMM background loops, driven one pass at a time: submission (at most once, retried, refunded on
a terminal error, resolved after a crash) and status sync with the simulator."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from litestar import Litestar

from flashpanel.db import retry
from flashpanel.db.runner import Database
from flashpanel.providers import registry
from flashpanel.providers.base import ProviderError, SmmProgress, SmmProvider, SmmSubmission
from flashpanel.providers.simulator_smm import SimulatedSmmProvider
from flashpanel.smm import fulfilment
from flashpanel.smm.worker import STATUS_SYNC, SUBMISSION
from tests.helpers import state_of
from tests.smm.support import Clock, balance_of, ledger_rows, make_due, order_row


class ScriptedProvider:
    """A provider that answers submissions from a script of outcomes (an exception or an upstream id)."""

    def __init__(self, *outcomes: Exception | str) -> None:
        self.outcomes = list(outcomes)
        self.submitted: list[tuple[str, str, int]] = []
        self.progress: dict[str, SmmProgress | ProviderError] = {}
        self.fetch_error: Exception | None = None

    async def submit(
        self, *, upstream_service: str, link: str, quantity: int, runs: int | None = None, interval: int | None = None
    ) -> SmmSubmission:
        self.submitted.append((upstream_service, link, quantity))
        outcome = self.outcomes.pop(0) if self.outcomes else f"up-{len(self.submitted)}"
        if isinstance(outcome, Exception):
            raise outcome
        return SmmSubmission(upstream_order_id=outcome)

    async def fetch_progress(self, upstream_order_ids: Sequence[str]) -> dict[str, SmmProgress | ProviderError]:
        if self.fetch_error is not None:
            raise self.fetch_error
        return {i: self.progress[i] for i in upstream_order_ids if i in self.progress}


def install(app: Litestar, provider: SmmProvider) -> None:
    registry.install_smm_provider(state_of(app), registry.SIMULATOR, provider)


async def place(client: httpx.AsyncClient, key: str, service_id: int, link: str = "https://example.com/p") -> int:
    response = await client.post(
        "/api/v1/smm/order", params={"key": key}, json={"service": service_id, "link": link, "quantity": 1000}
    )
    assert response.status_code == 200, response.text
    order_id: int = response.json()["data"]["order_id"]
    return order_id


async def status_of(client: httpx.AsyncClient, key: str, order_id: int) -> dict[str, Any]:
    response = await client.get("/api/v1/smm/status", params={"key": key, "order": order_id})
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_the_simulator_runs_an_order_to_completion_with_exactly_one_charge(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    simulator: SimulatedSmmProvider,
    clock: Clock,
) -> None:
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    state = state_of(app)

    assert await SUBMISSION.run_once(state) == 1
    row = order_row(db, order_id)
    assert row["status"] == "processing" and row["upstream_order_id"].startswith("sim:")
    assert row["submitting_at"] is None and row["attempts"] == 1
    assert await SUBMISSION.run_once(state) == 0  # nothing left to submit

    clock.advance(30)
    make_due(db)
    assert await STATUS_SYNC.run_once(state) == 1
    midway = await status_of(client, key, order_id)
    assert midway["status"] == "in_progress"
    assert isinstance(midway["start_count"], int) and 0 < midway["remains"] < 1000

    clock.advance(31)
    make_due(db)
    assert await STATUS_SYNC.run_once(state) == 1
    done = await status_of(client, key, order_id)
    assert (done["status"], done["remains"], done["start_count"]) == ("completed", 0, midway["start_count"])
    assert ledger_rows(db, order_id) == [("charge", -50000)]
    assert balance_of(db, key) == 0

    make_due(db)
    assert await STATUS_SYNC.run_once(state) == 0  # a finished order is never polled again


async def test_a_partial_order_from_the_simulator_refunds_exactly_the_remains_once(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    simulator: SimulatedSmmProvider,
    clock: Clock,
) -> None:
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"), link="https://example.com/p#sim-partial")
    state = state_of(app)
    await SUBMISSION.run_once(state)
    clock.advance(61)
    for _ in range(2):
        make_due(db)
        await STATUS_SYNC.run_once(state)
    done = await status_of(client, key, order_id)
    assert (done["status"], done["remains"]) == ("partial", 250)
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 12500)]
    assert order_row(db, order_id)["refunded_cents"] == 12500


async def test_a_retryable_submission_error_backs_off_and_is_retried(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider(ProviderError("HTTP 502", retryable=True), "up-77")
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500", upstream_service="4711"))
    state = state_of(app)

    await SUBMISSION.run_once(state)
    row = order_row(db, order_id)
    assert (row["status"], row["attempts"], row["submitting_at"]) == ("pending", 1, None)
    assert "HTTP 502" in row["last_error"] and row["next_check_at"] > time.time()
    assert await SUBMISSION.run_once(state) == 0  # not due yet

    make_due(db)
    await SUBMISSION.run_once(state)
    row = order_row(db, order_id)
    assert (row["status"], row["upstream_order_id"], row["attempts"], row["last_error"]) == (
        "processing",
        "up-77",
        2,
        None,
    )
    assert provider.submitted == [("4711", "https://example.com/p", 1000)] * 2
    assert ledger_rows(db, order_id) == [("charge", -50000)]


async def test_an_outcome_the_database_failed_to_store_is_stored_on_a_retry_not_refunded(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = ScriptedProvider("up-88")
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500", upstream_service="4711"))
    real_record = fulfilment.record_submitted
    failures = [ConnectionError("server closed the connection"), ConnectionError("still restarting")]

    def flaky_record(conn: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop(0)  # as a dropped PostgreSQL connection would, before anything is written
        return real_record(conn, **kwargs)

    monkeypatch.setattr(fulfilment, "record_submitted", flaky_record)
    monkeypatch.setattr(retry, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    await SUBMISSION.run_once(state_of(app))
    row = order_row(db, order_id)
    assert (row["status"], row["upstream_order_id"], row["submitting_at"]) == ("processing", "up-88", None)
    assert len(provider.submitted) == 1 and not failures
    assert ledger_rows(db, order_id) == [("charge", -50000)]


async def test_a_terminal_submission_error_cancels_and_refunds_in_full_once(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider(ProviderError("Incorrect service ID", retryable=False))
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    state = state_of(app)
    await SUBMISSION.run_once(state)
    make_due(db)
    await SUBMISSION.run_once(state)
    await STATUS_SYNC.run_once(state)
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["refunded_cents"]) == ("cancelled", 1000, 50000)
    assert "Incorrect service ID" in row["last_error"]
    assert len(provider.submitted) == 1
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]
    assert balance_of(db, key) == 50000


async def test_a_submission_that_timed_out_after_sending_is_never_retried_and_is_refunded_once(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    # A timeout after the request went out may have placed the order upstream: retrying could place it twice.
    provider = ScriptedProvider(ProviderError("read timeout", retryable=True, token="TIMEOUT"))
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    state = state_of(app)
    await SUBMISSION.run_once(state)
    make_due(db)
    await SUBMISSION.run_once(state)
    row = order_row(db, order_id)
    assert row["status"] == "cancelled"
    assert "outcome upstream is unknown" in row["last_error"]
    assert len(provider.submitted) == 1
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]


async def test_a_submission_that_keeps_failing_is_cancelled_after_the_last_attempt(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider(*[TimeoutError("read timed out")] * fulfilment.MAX_SUBMIT_ATTEMPTS)
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    for _ in range(fulfilment.MAX_SUBMIT_ATTEMPTS + 2):
        make_due(db)
        await SUBMISSION.run_once(state_of(app))
    assert len(provider.submitted) == fulfilment.MAX_SUBMIT_ATTEMPTS
    assert order_row(db, order_id)["status"] == "cancelled"
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]


async def test_concurrent_submission_passes_submit_each_order_once(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider()
    install(app, provider)
    key = make_customer(balance="500")
    service_id = add_service(rate="10")
    orders = [await place(client, key, service_id) for _ in range(6)]
    state = state_of(app)
    await asyncio.gather(*(SUBMISSION.run_once(state) for _ in range(4)))
    assert len(provider.submitted) == 6
    assert {order_row(db, o)["status"] for o in orders} == {"processing"}
    assert len({order_row(db, o)["upstream_order_id"] for o in orders}) == 6


async def test_an_order_claimed_by_a_worker_that_died_is_never_resubmitted_and_is_resolved_with_a_refund(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider()
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    # A worker claims the order and dies before storing the provider's answer.
    [claim] = db.write_sync(fulfilment.claim_for_submission, at=time.time())
    state = state_of(app)
    make_due(db)
    assert await SUBMISSION.run_once(state) == 0
    assert provider.submitted == [] and order_row(db, order_id)["status"] == "pending"

    # Past the stale limit, the restarted worker resolves it: cancelled, refunded once, still not resubmitted.
    db.write_sync(
        lambda c: c.execute(
            "UPDATE smm_orders SET submitting_at = ? WHERE id = ?",
            (time.time() - fulfilment.STALE_SUBMISSION_SECONDS - 1, order_id),
        )
    )
    assert await SUBMISSION.run_once(state) == 1
    assert await SUBMISSION.run_once(state) == 0
    row = order_row(db, order_id)
    assert (row["status"], row["refunded_cents"]) == ("cancelled", 50000)
    assert "unknown" in row["last_error"]
    assert provider.submitted == []
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]

    # If the dead worker's call had reached the provider after all, its late answer moves no money.
    stale_claim = dataclasses.replace(claim, claimed_at=row["submitting_at"])
    assert (
        db.write_sync(
            fulfilment.record_submitted, claim=stale_claim, upstream_order_id="up-late", cost=None, at=time.time()
        )
        is None
    )
    row = order_row(db, order_id)
    assert (row["status"], row["upstream_order_id"]) == ("cancelled", "up-late")
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]


async def test_status_sync_applies_upstream_cancellation_with_a_full_refund_once(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider("up-1")
    install(app, provider)
    key = make_customer(balance="500")
    order_id = await place(client, key, add_service(rate="500"))
    state = state_of(app)
    await SUBMISSION.run_once(state)
    provider.progress["up-1"] = SmmProgress(status="in_progress", start_count=10, remains=600)
    make_due(db)
    await STATUS_SYNC.run_once(state)
    provider.progress["up-1"] = SmmProgress(status="processing", start_count=10, remains=500)  # out of order
    make_due(db)
    await STATUS_SYNC.run_once(state)
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["start_count"]) == ("in_progress", 500, 10)
    provider.progress["up-1"] = SmmProgress(status="cancelled", remains=500)
    for _ in range(2):
        make_due(db)
        await STATUS_SYNC.run_once(state)
    assert order_row(db, order_id)["status"] == "cancelled"
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]


async def test_status_sync_backs_off_on_errors_without_changing_the_order(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
) -> None:
    provider = ScriptedProvider("up-1", "up-2")
    install(app, provider)
    key = make_customer(balance="500")
    service_id = add_service(rate="10")
    first, second = await place(client, key, service_id), await place(client, key, service_id)
    state = state_of(app)
    await SUBMISSION.run_once(state)
    provider.progress["up-1"] = ProviderError("Incorrect order ID", retryable=False)  # up-2: no answer at all
    make_due(db)
    assert await STATUS_SYNC.run_once(state) == 2
    for order_id in (first, second):
        row = order_row(db, order_id)
        assert row["status"] == "processing" and "status check failed" in row["last_error"]
        assert row["next_check_at"] > time.time() + 10
    provider.fetch_error = ProviderError("HTTP 500", retryable=True)
    make_due(db)
    assert await STATUS_SYNC.run_once(state) == 2
    assert "HTTP 500" in order_row(db, first)["last_error"]
    assert order_row(db, first)["status"] == "processing"


async def test_upstream_text_in_the_worker_logs_stays_on_one_line(
    app: Litestar,
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    add_service: Callable[..., int],
    db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An upstream cannot forge log lines: its order ids and failure texts are logged with line breaks escaped."""
    forged_id = "up-1\nCRITICAL forged submission line"
    provider = ScriptedProvider(forged_id, ProviderError("bad\nCRITICAL x", retryable=True))
    install(app, provider)
    key = make_customer(balance="500")
    service_id = add_service(rate="10")
    await place(client, key, service_id)
    await place(client, key, service_id)
    state = state_of(app)
    caplog.set_level("INFO", logger="flashpanel")
    await SUBMISSION.run_once(state)
    provider.fetch_error = RuntimeError("upstream said\nCRITICAL forged sync line")
    make_due(db)
    await STATUS_SYNC.run_once(state)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("flashpanel.smm")]
    assert any("forged submission line" in m for m in messages), messages
    assert any("forged sync line" in m for m in messages), messages
    assert not [m for m in messages if "\n" in m], messages
