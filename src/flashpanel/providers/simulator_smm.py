"""The built-in SMM provider: fulfils orders on its own, over ``FLASHPANEL_SIMULATOR_SMM_SECONDS``. Its
services (bound to a provider row of kind ``simulator``) sell only while ``FLASHPANEL_SIMULATORS`` is on.

It keeps no state. Everything it needs later is written into the upstream order id it hands back
(``sim:<submitted at, ms>:<quantity>:<outcome>:<nonce>``), and an order's progress is a pure function
of the time elapsed since then, so it survives restarts and gives the same answer in every process.

Over the run an order is ``processing`` for the first tenth, then ``in_progress`` with ``remains``
falling linearly, then ``completed`` (remains 0). ``start_count`` (the target's count before
delivery) is derived from the id, so it is stable between polls.

For demos and manual tests, a link ending in ``#sim-partial`` ends ``partial`` with a quarter
undelivered, ``#sim-cancel`` ends ``cancelled``, and ``#sim-reject`` is refused at submission with a
terminal error.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Sequence

from flashpanel.config import Settings
from flashpanel.providers.base import ProviderError, SmmProgress, SmmSubmission

_OUTCOMES = {"#sim-partial": "partial", "#sim-cancel": "cancelled"}


class SimulatedSmmProvider:
    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.duration = max(0.0, float(settings.simulator_smm_seconds))
        self.clock = clock

    async def submit(
        self, *, upstream_service: str, link: str, quantity: int, runs: int | None = None, interval: int | None = None
    ) -> SmmSubmission:
        if link.endswith("#sim-reject"):
            raise ProviderError("Simulated rejection: invalid link", retryable=False, token="BAD_LINK")
        if quantity <= 0:
            raise ProviderError("Quantity must be positive", retryable=False, token="BAD_QUANTITY")
        outcome = next((status for suffix, status in _OUTCOMES.items() if link.endswith(suffix)), "completed")
        submitted_ms = int(self.clock() * 1000)
        return SmmSubmission(upstream_order_id=f"sim:{submitted_ms}:{quantity}:{outcome}:{secrets.token_hex(4)}")

    async def fetch_progress(self, upstream_order_ids: Sequence[str]) -> dict[str, SmmProgress | ProviderError]:
        at = self.clock()
        return {upstream_id: self.progress(upstream_id, at) for upstream_id in upstream_order_ids}

    def progress(self, upstream_id: str, at: float) -> SmmProgress | ProviderError:
        try:
            tag, submitted_ms, quantity_text, outcome, _nonce = upstream_id.split(":")
            if tag != "sim":
                raise ValueError(tag)
            submitted, quantity = int(submitted_ms) / 1000, int(quantity_text)
        except ValueError:
            return ProviderError("Incorrect order ID", retryable=False, token="NOT_FOUND")
        start_count = int.from_bytes(hashlib.sha256(upstream_id.encode()).digest()[:4], "big") % 9000 + 100
        fraction = 1.0 if self.duration == 0 else (at - submitted) / self.duration
        if fraction >= 1:
            if outcome == "partial":
                return SmmProgress(status="partial", start_count=start_count, remains=quantity // 4)
            if outcome == "cancelled":
                return SmmProgress(status="cancelled", start_count=start_count, remains=quantity)
            return SmmProgress(status="completed", start_count=start_count, remains=0)
        if fraction < 0.1:
            return SmmProgress(status="processing", start_count=None, remains=quantity)
        delivered = int(quantity * (fraction - 0.1) / 0.9)
        return SmmProgress(status="in_progress", start_count=start_count, remains=max(1, quantity - delivered))
