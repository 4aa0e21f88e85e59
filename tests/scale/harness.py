"""One scale run from start to finish: the processes' environment, the fake upstreams, seeding, the API
processes and workers, the load with its chaos, the catch-up, the checks and the report."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from psycopg.rows import dict_row

from flashpanel.db.migrate import upgrade
from tests.scale.alongside import RATE_PROBE_LIMIT, rate_probe, topups
from tests.scale.chaos import chaos, drop_db_connections
from tests.scale.checks import verify
from tests.scale.checks.progress import check_metrics, left_behind, non_terminal
from tests.scale.load import Load
from tests.scale.observed import Observed
from tests.scale.procs import FLASHPANEL, SITE_DIR, Proc, free_port, log, wait_healthy
from tests.scale.report import Run, report
from tests.scale.seeding import Catalog, Customer, seed
from tests.scale.upstreams import Fakes, start_fakes, upstream_chaos

# The endpoints a domain needs before the load drives it (read from the served OpenAPI document).
DOMAIN_ENDPOINTS = {
    "smm": ("/api/v1/smm/order", "/api/v1/smm/status"),
    "otp": ("/api/v1/otp/purchase", "/api/v1/otp/cancel", "/api/v1/otp/check"),
    "accounts": ("/api/v1/accounts/purchase", "/api/v1/accounts/order"),
    "v2": ("/api/v2",),
}


async def run(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    rng = random.Random(seed_value)
    mode = "crash" if args.crash else "normal"
    log(
        f"mode={mode} seed={seed_value} duration={args.duration}s customers={args.customers} api={args.api} "
        f"workers={args.workers} concurrency={args.concurrency} db={database_url.rsplit('/', 1)[1]}"
    )
    t0 = time.monotonic()
    env = process_env(args, database_url, workdir)
    redis.Redis.from_url(args.redis_url).flushdb()
    upgrade(database_url)
    fakes = Fakes()
    procs = fakes.procs  # every child process, stopped at the end whatever happens
    # `serve --workers N` serves the N processes' metrics together on its own listener (multiprocess mode).
    metrics_port = free_port() if args.layout == "multi" else None
    apis, workers = panel_processes(args, env, workdir, metrics_port)
    obs = Observed()
    try:
        await start_fakes(fakes, env, workdir, args.settle, args.otp_ttl)
        customers, catalog = seed(database_url, workdir / "secret.key", args.customers, rng, fakes)
        for p in apis + workers:
            procs.append(p)
            p.start()
        await asyncio.gather(*(wait_healthy(p) for p in apis))
        domains = await served_domains(apis[0])
        log(
            f"set-up took {time.monotonic() - t0:.1f}s; endpoints served for: wallet, {', '.join(sorted(domains))}"
            f"; upstreams: {fakes.describe()}"
        )
        await rate_probe(apis, customers[0], obs)
        load_seconds = await drive(
            args, rng, seed_value, database_url, apis, workers, fakes, customers, catalog, domains, obs
        )
        for p in procs:  # nothing may stay dead
            if not p.alive():
                log(
                    f"{p.name} is not running after the load (exit {p.popen.returncode if p.popen else None}); "
                    "restarting it"
                )
                p.start()
        with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
            catchup_seconds = await catch_up(conn, args.catchup)
            metrics_text = None
            if metrics_port is not None:  # read before the supervisor exits and removes its processes' figures
                async with httpx.AsyncClient() as client:
                    metrics_text = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)).text
            for p in workers + apis:  # stop the writers before reading the books
                p.stop()
            violations, facts = verify(conn, obs, fakes, workdir / "secret.key")
            if metrics_text is not None:
                violations += check_metrics(conn, metrics_text, facts)
            violations += left_behind(conn, catchup_seconds)
        summary = Run(mode, seed_value, args.api, args.workers, load_seconds, catchup_seconds, frozenset(domains))
        return report(summary, obs, facts, violations, workdir)
    finally:
        for p in procs:
            p.stop(timeout=5)


def process_env(args: argparse.Namespace, database_url: str, workdir: Path) -> dict[str, str]:
    """The environment of every process the run starts (fakes, API processes, workers)."""
    env = {
        **os.environ,
        "FLASHPANEL_DATABASE_URL": database_url,
        "FLASHPANEL_REDIS_URL": args.redis_url,
        "FLASHPANEL_SECRET_KEY_FILE": str(workdir / "secret.key"),
        "FLASHPANEL_DEMO_KEY_FILE": str(workdir / "demo.key"),
        "FLASHPANEL_DB_POOL_SIZE": "4",
        "FLASHPANEL_WORKER_INTERVAL_SECONDS": "0.25",
        "FLASHPANEL_OTP_TTL_SECONDS": str(args.otp_ttl),
        # A missing fake is replaced by the built-in simulator (bound explicitly in `seed`), which sells only
        # with this on; with every fake present nothing is bound to the simulator and this changes nothing.
        "FLASHPANEL_SIMULATORS": "true",
        "FLASHPANEL_SIMULATOR_SMM_SECONDS": "3",
        "FLASHPANEL_SIMULATOR_SMS_DELAY_SECONDS": "3",
        # The load is many requests per key: budgets out of the way (rate limits have their own tests).
        # Except /balance: the shared-budget probe below checks it across processes (customers in the load
        # stay far below it).
        "FLASHPANEL_RATE_LIMIT_BALANCE": f"{RATE_PROBE_LIMIT}/minute",
        "FLASHPANEL_RATE_LIMIT_LIST": "1000000/minute",
        "FLASHPANEL_RATE_LIMIT_ORDERS": "1000000/minute",
        "FLASHPANEL_RATE_LIMIT_STATUS": "1000000/minute",
        "FLASHPANEL_RATE_LIMIT_AUTH_FAILURES": "1000000/minute",
        "FLASHPANEL_RUN_WORKER": "false",
    }
    grace = args.grace if args.grace is not None else (20.0 if args.crash else 0.0)
    if grace > 0:
        # Recovery after kill -9 waits out grace periods that are module constants (300 s): site/sitecustomize.py
        # shortens them in every process started with this environment (see there).
        env["FLASHPANEL_SCALE_GRACE_SECONDS"] = str(grace)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return env


def panel_processes(
    args: argparse.Namespace, env: dict[str, str], workdir: Path, metrics_port: int | None
) -> tuple[list[Proc], list[Proc]]:
    """The API processes (``--api`` separate ones, or one ``serve --workers API`` with ``--layout multi``) and
    the workers, not started yet."""
    workers_flag = ["--workers", str(args.api), "--metrics-port", str(metrics_port)] if metrics_port else []
    api_cmd = [str(FLASHPANEL), "serve", "--no-worker", "--no-access-log", *workers_flag, "--port"]
    worker_cmd = [str(FLASHPANEL), "worker"]
    apis = [
        Proc(f"api-{i}", [*api_cmd, str(port)], env, workdir, port)
        for i, port in enumerate(free_port() for _ in range(1 if args.layout == "multi" else args.api))
    ]
    workers = [Proc(f"worker-{i}", worker_cmd, env, workdir) for i in range(args.workers)]
    return apis, workers


async def served_domains(api: Proc) -> set[str]:
    """The domains whose endpoints the app serves: only those are loaded."""
    async with httpx.AsyncClient() as client:
        paths = set((await client.get(f"http://127.0.0.1:{api.port}/docs/openapi.json")).json()["paths"])
    return {domain for domain, needed in DOMAIN_ENDPOINTS.items() if all(p in paths for p in needed)}


async def drive(
    args: argparse.Namespace,
    rng: random.Random,
    seed_value: int,
    database_url: str,
    apis: list[Proc],
    workers: list[Proc],
    fakes: Fakes,
    customers: list[Customer],
    catalog: Catalog,
    domains: set[str],
    obs: Observed,
) -> float:
    """The load and everything that happens during it (top-ups, upstream chaos, kills, a database restart),
    each with its own RNG seeded from ``seed_value`` (the load goes on with the seeding's ``rng``). Returns the
    load's length in seconds."""
    load = Load(apis, customers[1:], catalog, domains, rng, obs)
    start = time.monotonic()
    end = start + args.duration
    tasks: list[Coroutine[Any, Any, None]] = [
        load.run(args.duration, args.concurrency),
        topups(database_url, customers, random.Random(seed_value + 1), end, obs),
        upstream_chaos(fakes, random.Random(seed_value + 3), end, obs, args.sms_delay),
    ]
    if args.db_restart:
        tasks.append(drop_db_connections(database_url, random.Random(seed_value + 4), start, args.duration, obs))
    if args.crash:
        crash_rng = random.Random(seed_value + 2)
        tasks.append(chaos(args.layout, apis, workers, fakes, crash_rng, start, args.duration, args.kills, obs))
    await asyncio.gather(*tasks)
    await load.close()
    return time.monotonic() - start


async def catch_up(conn: psycopg.Connection[Any], limit: float) -> float:
    """Let the workers catch up: until no order is in a non-terminal state, or ``limit`` seconds."""
    started = time.monotonic()
    while any(non_terminal(conn).values()) and time.monotonic() - started <= limit:
        await asyncio.sleep(1)
    return time.monotonic() - started
