"""Providers' prices of a number: asked of each mapped provider, kept on the mapping, refreshed hourly by
the worker; a provider that fails keeps its last quote."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from flashpanel.db.runner import Database
from flashpanel.otp import quotes
from flashpanel.otp.worker import QUOTES_INTERVAL_SECONDS, refresh_quotes
from flashpanel.providers.base import ProviderError
from flashpanel.state import AppState
from tests.otp.conftest import FakeNumbers


def _quoted(db: Database) -> dict[str, tuple[str | None, bool]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT p.name, m.quoted_cost, m.quoted_at FROM otp_service_providers m "
            "JOIN providers p ON p.id = m.provider_id ORDER BY m.id"
        )
    )
    return {r["name"]: (r["quoted_cost"], r["quoted_at"] is not None) for r in rows}


async def test_each_mapped_provider_is_asked_its_price_and_it_is_kept_on_the_mapping(
    map_fakes: Callable[..., list[FakeNumbers]], state: AppState, db: Database
) -> None:
    map_fakes(FakeNumbers(prefix="cheap", cost=Decimal("0.25")), FakeNumbers(prefix="silent"))
    checked = await quotes.check_quotes(state)
    # Every mapping of an active service to an active provider is asked: the simulator's other ones too.
    assert (checked.asked, checked.failed) == (len(db.read_sync(quotes.active_mappings)), [])
    quoted = _quoted(db)
    assert quoted["cheap"] == ("0.25", True)
    assert quoted["silent"] == (None, True)  # asked, but it gave no price


async def test_a_provider_that_fails_keeps_its_last_quote_and_is_reported(
    map_fakes: Callable[..., list[FakeNumbers]], state: AppState, db: Database
) -> None:
    (upstream,) = map_fakes(FakeNumbers(prefix="flaky", cost=Decimal("0.40")))
    await quotes.check_quotes(state)
    upstream.cost = Decimal("0.90")
    upstream.quote_error = ProviderError("upstream answered HTTP 502", retryable=True)
    checked = await quotes.check_quotes(state)
    assert checked.failed == ["flaky 187/ch: upstream answered HTTP 502"]
    assert _quoted(db)["flaky"] == ("0.4", True)  # as cost_text writes it: normalised, exact


async def test_the_worker_asks_when_it_starts_and_then_once_an_hour(
    map_fakes: Callable[..., list[FakeNumbers]], state: AppState, db: Database
) -> None:
    (upstream,) = map_fakes(FakeNumbers(prefix="hourly", cost=Decimal("1.5")))
    state.otp_quotes_next_at = 0.0
    await refresh_quotes(state)
    assert _quoted(db)["hourly"] == ("1.5", True)
    assert state.otp_quotes_next_at > time.monotonic() + QUOTES_INTERVAL_SECONDS - 60
    upstream.cost = Decimal("2")
    await refresh_quotes(state)  # within the hour: not asked again
    assert _quoted(db)["hourly"] == ("1.5", True)
