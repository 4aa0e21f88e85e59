"""Background loops: each wakes up on an interval and does one bounded batch of work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from flashpanel.metrics import LOOP_FAILURES, LOOP_HANDLED, LOOP_LAST_PASS
from flashpanel.state import AppState

log = logging.getLogger("flashpanel.worker")


@dataclass(frozen=True)
class Loop:
    name: str
    # One pass: does a batch of work and returns how many items it handled.
    run_once: Callable[[AppState], Awaitable[int]]


async def run_forever(loop: Loop, state: AppState, stop: asyncio.Event) -> None:
    interval = state.settings.worker_interval_seconds
    while not stop.is_set():
        try:
            handled = await loop.run_once(state)
        except Exception:
            log.exception("worker loop %s failed; retrying", loop.name)
            LOOP_FAILURES.labels(loop.name).inc()
            handled = 0
        LOOP_LAST_PASS.labels(loop.name).set_to_current_time()
        if handled:
            LOOP_HANDLED.labels(loop.name).inc(handled)
            log.info("worker loop %s handled %d item(s)", loop.name, handled)
        if handled:
            continue  # more may be waiting: go again without sleeping
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
