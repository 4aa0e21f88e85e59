"""How many numbers a service has: asked of the providers, cached, never waited on for long.

A figure younger than ``FRESH_SECONDS`` is served as is. An older or missing one is refreshed: the
request waits at most ``WAIT_SECONDS`` for the refreshes it started, then answers with what it has
(the last known figure, or 0 when none was ever known) while slow refreshes finish in the background
and serve the next request. One refresh per source at a time; each bounded by ``REFRESH_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from flashpanel.otp.catalog import Source
from flashpanel.providers import registry
from flashpanel.state import AppState

log = logging.getLogger("flashpanel.otp")

FRESH_SECONDS = 10.0
WAIT_SECONDS = 0.5
REFRESH_TIMEOUT = 10.0


@dataclass
class AvailabilityCache:
    figures: dict[Source, tuple[int, float]] = field(default_factory=dict)  # source -> (count, fetched at)
    refreshing: dict[Source, asyncio.Task[None]] = field(default_factory=dict)

    async def _refresh(self, state: AppState, source: Source) -> None:
        try:
            provider = await registry.number_provider(state, source.provider_id)
            count = await asyncio.wait_for(
                provider.available(upstream_country=source.upstream_country, upstream_service=source.upstream_service),
                timeout=REFRESH_TIMEOUT,
            )
            self.figures[source] = (max(0, int(count)), time.monotonic())
        except Exception as exc:  # a provider being down must not break the catalog
            log.warning("availability of %s not refreshed: %s", source, exc)
        finally:
            self.refreshing.pop(source, None)

    async def counts(self, state: AppState, sources: list[Source]) -> dict[Source, int]:
        now = time.monotonic()
        started: list[asyncio.Task[None]] = []
        for source in set(sources):
            figure = self.figures.get(source)
            if (figure is None or now - figure[1] >= FRESH_SECONDS) and source not in self.refreshing:
                task = asyncio.create_task(self._refresh(state, source))
                self.refreshing[source] = task
                started.append(task)
        if started:
            await asyncio.wait(started, timeout=WAIT_SECONDS)
        return {source: self.figures.get(source, (0, 0.0))[0] for source in sources}

    def forget_provider(self, provider_id: int | None) -> None:
        """Drop a provider's figures after this process bought or released one of its numbers, so the
        next catalog request shows the change."""
        for source in [s for s in self.figures if s.provider_id == provider_id]:
            self.figures.pop(source, None)


def cache_of(state: AppState) -> AvailabilityCache:
    return state.otp_availability


async def available(state: AppState, sources_by_service: dict[int, list[Source]]) -> dict[int, int]:
    """Numbers available per service: the sum over its sources."""
    every = [source for sources in sources_by_service.values() for source in sources]
    counts = await cache_of(state).counts(state, every)
    return {service_id: sum(counts[s] for s in sources) for service_id, sources in sources_by_service.items()}
