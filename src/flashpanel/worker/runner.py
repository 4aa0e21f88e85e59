"""Starts every domain's background loops in the current event loop."""

from __future__ import annotations

import asyncio

from flashpanel.otp.worker import LOOPS as OTP_LOOPS
from flashpanel.payments.reconciler import LOOPS as PAYMENT_LOOPS
from flashpanel.providers.worker import LOOPS as PROVIDER_LOOPS
from flashpanel.smm.forwarding import LOOPS as SMM_FORWARDING_LOOPS
from flashpanel.smm.worker import LOOPS as SMM_LOOPS
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop, run_forever

ALL_LOOPS: list[Loop] = [*SMM_LOOPS, *SMM_FORWARDING_LOOPS, *OTP_LOOPS, *PROVIDER_LOOPS, *PAYMENT_LOOPS]


class Worker:
    def __init__(self, state: AppState, loops: list[Loop] | None = None) -> None:
        self.state = state
        self.loops = ALL_LOOPS if loops is None else loops
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(run_forever(loop, self.state, self._stop), name=loop.name) for loop in self.loops
        ]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def run_once(self) -> int:
        """One pass of every loop, in order; for tests and ``flashpanel worker --once``."""
        return sum([await loop.run_once(self.state) for loop in self.loops])
