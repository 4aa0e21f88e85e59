"""Crashes during the load: kill -9 of API processes (or of one of ``serve --workers N``'s server processes)
and workers at seeded random moments, each restarted; and one termination of every database connection, as a
PostgreSQL restart would do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time

import httpx
import psycopg

from tests.scale.observed import Observed
from tests.scale.procs import Proc, log, spawned_children, wait_healthy
from tests.scale.upstreams import Fakes


async def kill_uvicorn_child(api: Proc, rng: random.Random, start: float, obs: Observed) -> None:
    """``serve --workers N``: kill -9 one of the N server processes; uvicorn's supervisor starts another."""
    assert api.popen is not None
    before = spawned_children(api.popen.pid)
    if not before:
        return
    victim = rng.choice(before)
    with contextlib.suppress(ProcessLookupError):
        os.kill(victim, signal.SIGKILL)
    message = f"t={time.monotonic() - start:.2f}s kill -9 {api.name} server process {victim} (uvicorn restarts it)"
    obs.kills.append(message)
    log(message)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now_children = spawned_children(api.popen.pid)
        if victim not in now_children and len(now_children) >= len(before):
            log(f"t={time.monotonic() - start:.2f}s {api.name}: uvicorn replaced process {victim}")
            return
    obs.anomalies.append(f"uvicorn did not replace killed server process {victim} within 30 s")


async def chaos(
    layout: str,
    apis: list[Proc],
    workers: list[Proc],
    fakes: Fakes,
    rng: random.Random,
    start: float,
    duration: float,
    kills: int,
    obs: Observed,
) -> None:
    """kill -9 API processes and workers at seeded random moments during the load, and restart them."""
    plan = sorted(
        [(rng.uniform(0.1, 0.8) * duration, "api") for _ in range(kills)]
        + [(rng.uniform(0.1, 0.8) * duration, "worker") for _ in range(kills)]
    )
    log("crash plan: " + ", ".join(f"{what}@{at:.2f}s" for at, what in plan))
    busy: set[Proc] = set()

    async def one(at: float, what: str) -> None:
        await asyncio.sleep(max(0.0, start + at - 1.5 - time.monotonic()))
        # Slow the upstream call this kind of process makes just before the kill, so that the kill lands
        # mid-call: a worker between claiming an SMM order and recording the upstream's answer (which the
        # upstream did carry out), an API process between debiting an OTP purchase and storing the number.
        fake, action = (fakes.smm_base, "add") if what == "worker" else (fakes.sms_base, "getNumberV2")
        if fake:
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient(timeout=5) as client:
                    await client.post(
                        fake + "/_control",
                        json={"op": "fail_next", "kind": "slow", "action": action, "seconds": 3.0, "times": 6},
                    )
        await asyncio.sleep(max(0.0, start + at - time.monotonic()))
        if what == "api" and layout == "multi":
            await kill_uvicorn_child(apis[0], rng, start, obs)
            return
        pool = apis if what == "api" else workers
        candidates = [p for p in pool if p.alive() and p not in busy]  # not one still restarting
        if not candidates:
            return
        victim = rng.choice(candidates)
        busy.add(victim)
        down = rng.uniform(0.3, 2.0)
        pid = victim.kill9()
        message = f"t={time.monotonic() - start:.2f}s kill -9 {victim.name} (pid {pid}), restart after {down:.2f}s"
        obs.kills.append(message)
        log(message)
        await asyncio.sleep(down)
        victim.start()
        if what == "api":
            await wait_healthy(victim)
        assert victim.popen is not None
        log(f"t={time.monotonic() - start:.2f}s {victim.name} restarted (pid {victim.popen.pid})")
        busy.discard(victim)

    await asyncio.gather(*(one(at, what) for at, what in plan))


async def drop_db_connections(
    database_url: str, rng: random.Random, start: float, duration: float, obs: Observed
) -> None:
    """What a PostgreSQL restart or failover does to running processes: every server connection of the
    scratch database is terminated at once, at a seeded random moment; the processes must reconnect."""
    at = rng.uniform(0.3, 0.6) * duration
    await asyncio.sleep(max(0.0, start + at - time.monotonic()))
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    killed = row[0] if row is not None else 0
    message = f"t={time.monotonic() - start:.2f}s terminated {killed} PostgreSQL connection(s) (as a restart would)"
    obs.kills.append(message)
    log(message)
