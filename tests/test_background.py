"""Background provider calls: shutdown waits for them instead of cutting them off."""

from __future__ import annotations

import asyncio

from litestar import Litestar

from flashpanel.app import start, stop
from flashpanel.background import BackgroundCalls
from flashpanel.config import Settings


async def test_drain_waits_for_the_calls_started_and_for_those_they_start() -> None:
    calls = BackgroundCalls()
    finished: list[str] = []

    async def follow_up() -> None:
        await asyncio.sleep(0)
        finished.append("follow-up")

    async def release() -> None:
        await asyncio.sleep(0)
        calls.start(follow_up())
        finished.append("release")

    calls.start(release())
    await calls.drain()
    assert finished == ["release", "follow-up"]
    assert len(calls) == 0


async def test_shutdown_lets_a_background_call_finish_its_database_write(app: Litestar, settings: Settings) -> None:
    state = start(app, settings, run_worker=False)
    customers: list[int] = []
    gate = asyncio.Event()

    async def call_then_record() -> None:
        await gate.wait()  # still waiting on its provider when shutdown begins
        customers.append(await state.db.read(lambda conn: int(conn.scalar("SELECT COUNT(*) FROM customers"))))

    state.background.start(call_then_record())
    shutdown = asyncio.create_task(stop(app))
    await asyncio.sleep(0)
    assert not shutdown.done()
    gate.set()
    await shutdown
    assert customers == [0]
