"""The built-in SMM simulator: stateless, restart-safe, moving each order through its statuses over time."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpanel.config import Settings
from flashpanel.providers.base import ProviderError, SmmProvider
from flashpanel.providers.simulator_smm import SimulatedSmmProvider


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _settings(tmp_path: Path, seconds: float = 60) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key_file=tmp_path / "k", simulator_smm_seconds=seconds
    )


async def test_an_order_moves_from_processing_through_in_progress_to_completed(tmp_path: Path) -> None:
    clock = Clock()
    provider: SmmProvider = SimulatedSmmProvider(_settings(tmp_path), clock=clock)
    submission = await provider.submit(upstream_service="1", link="https://example.com/x", quantity=1000)
    upstream_id = submission.upstream_order_id

    seen = []
    for elapsed in (0, 3, 9, 30, 59, 60, 600):
        clock.now = 1_700_000_000.0 + elapsed
        progress = (await provider.fetch_progress([upstream_id]))[upstream_id]
        assert not isinstance(progress, ProviderError)
        seen.append((progress.status, progress.remains))
    assert seen[0] == ("processing", 1000) and seen[1] == ("processing", 1000)
    assert [s for s, _ in seen[2:5]] == ["in_progress"] * 3
    remains = [r for _, r in seen[2:5] if r is not None]
    assert len(remains) == 3 and remains == sorted(remains, reverse=True) and all(0 < r < 1000 for r in remains)
    assert seen[5:] == [("completed", 0), ("completed", 0)]


async def test_progress_survives_a_restart_and_start_count_is_stable(tmp_path: Path) -> None:
    clock = Clock()
    first = SimulatedSmmProvider(_settings(tmp_path), clock=clock)
    upstream_id = (await first.submit(upstream_service="1", link="https://e.com", quantity=500)).upstream_order_id
    clock.now += 45
    again = SimulatedSmmProvider(_settings(tmp_path), clock=clock)  # a new process: no shared memory
    a, b = first.progress(upstream_id, clock.now), again.progress(upstream_id, clock.now)
    assert a == b
    assert not isinstance(a, ProviderError) and a.start_count is not None and 100 <= a.start_count < 9100


async def test_zero_seconds_completes_at_once(tmp_path: Path) -> None:
    provider = SimulatedSmmProvider(_settings(tmp_path, seconds=0))
    upstream_id = (await provider.submit(upstream_service="1", link="https://e.com", quantity=10)).upstream_order_id
    progress = (await provider.fetch_progress([upstream_id]))[upstream_id]
    assert not isinstance(progress, ProviderError) and (progress.status, progress.remains) == ("completed", 0)


@pytest.mark.parametrize(
    ("suffix", "status", "remains"), [("#sim-partial", "partial", 250), ("#sim-cancel", "cancelled", 1000)]
)
async def test_link_suffixes_choose_a_partial_or_cancelled_ending(
    tmp_path: Path, suffix: str, status: str, remains: int
) -> None:
    clock = Clock()
    provider = SimulatedSmmProvider(_settings(tmp_path), clock=clock)
    upstream_id = (
        await provider.submit(upstream_service="1", link="https://e.com" + suffix, quantity=1000)
    ).upstream_order_id
    clock.now += 60
    progress = (await provider.fetch_progress([upstream_id]))[upstream_id]
    assert not isinstance(progress, ProviderError) and (progress.status, progress.remains) == (status, remains)


async def test_a_rejected_link_is_a_terminal_error_and_an_unknown_id_is_reported_per_order(tmp_path: Path) -> None:
    provider = SimulatedSmmProvider(_settings(tmp_path))
    with pytest.raises(ProviderError) as info:
        await provider.submit(upstream_service="1", link="https://e.com#sim-reject", quantity=10)
    assert info.value.retryable is False
    answers = await provider.fetch_progress(["nonsense", "sim:x:y:z:w"])
    assert all(isinstance(a, ProviderError) for a in answers.values()) and set(answers) == {"nonsense", "sim:x:y:z:w"}
