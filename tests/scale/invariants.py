"""Multi-process invariants test: several API processes and workers on PostgreSQL + Redis, under load
and (with ``--crash``) under ``kill -9``; then the money, stock and submission invariants are checked
from the database. CI (``.ci/run``) runs it twice: plain, then with ``--crash``.

    .venv/bin/python -m tests.scale.invariants [--duration 20] [--customers 150] [--crash] [--seed N]
    .venv/bin/python tests/scale/invariants.py --crash --seed 21      # same seed: same crash plan

What it does:

1. creates a scratch PostgreSQL database (``--admin-url``, default postgresql://postgres@127.0.0.1:5432/test;
   dropped at the end) and flushes Redis db 12 (``--redis-url``); migrates;
2. starts the fake upstreams (``fakes.py``: two SMM API v2 panels and one SMS-Activate server, each its
   own process on loopback) and seeds customers with balances (through the customers service, i.e.
   the ledger), an SMM catalog mapped to the fake panels, OTP services mapped to the fake number
   provider (one pair with scarce numbers), and account products with scarce stock;
3. starts ``--api`` separate ``flashpanel serve --no-worker`` processes (so that one can be killed on its
   own; ``--layout multi``: one ``serve --no-worker --workers N`` instead) and ``--workers`` ``flashpanel
   worker`` processes; with ``--crash``, ``site/sitecustomize.py`` shortens the 300 s recovery grace periods
   in them so that recovery happens within the run;
4. drives a bounded mixed load for ``--duration`` seconds with an asyncio httpx load generator, round
   robin over the live API processes: balance checks, SMM orders and status (``/api/v1``, and
   add/status/cancel through ``/api/v2`` when it is served), OTP purchases/checks/cancels (also the same
   cancel sent to two processes at once), account purchases, bursts of purchases by one customer across
   every process, and operator top-ups straight into the ledger. Meanwhile the fake upstreams act like
   real ones: some SMM orders go partial or cancelled, SMS arrive for about half of the numbers, and
   some answers are 500s, HTML, empty or malformed. With ``--crash``, API processes and workers are
   ``kill -9``ed at moments drawn from the seeded RNG (the upstream call they make is slowed just before,
   so the kill lands mid-call) and restarted. ``--db-restart`` terminates every PostgreSQL connection
   once, as a database restart would;
5. lets the workers catch up (until no order is in a non-terminal state, or ``--catchup`` seconds);
6. checks the invariants from the database, the fake upstreams' records and what clients were told;
   prints the counts (requests by kind and status, orders, refunds, kills) and exits 1 on any violation.

Only the domains whose endpoints are served (read from the OpenAPI document) are loaded; the report says
which ran. Sizes fit CI on 2 cores: about a minute per run.

Where each part lives: ``harness.py`` (one run, step by step), ``procs.py`` (child processes),
``upstreams.py`` (the fakes and their chaos), ``seeding.py``, ``load.py`` (the customers' mix),
``alongside.py`` (top-ups, the rate-limit probe), ``chaos.py`` (kills, database restart), ``checks/`` (the
invariants; the books' rules are ``flashpanel.wallet.invariants``, shared with the benchmark) and
``report.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

if not __package__:  # run as a script (python tests/scale/invariants.py): make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.scale.harness import run
from tests.scale.procs import log


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20)")
    p.add_argument("--customers", type=int, default=150, help="customers to seed (default 150)")
    p.add_argument("--crash", action="store_true", help="kill -9 API processes and workers during the load")
    p.add_argument(
        "--db-restart",
        action="store_true",
        help="terminate every PostgreSQL connection of the processes once during the load",
    )
    p.add_argument("--kills", type=int, default=2, help="with --crash: kills of each kind (default 2)")
    p.add_argument("--seed", type=int, default=None, help="RNG seed (default: random, printed)")
    p.add_argument("--api", type=int, default=4, help="API processes (default 4)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--layout",
        choices=["separate", "multi"],
        default="separate",
        help="separate: --api `serve` processes on their own ports (default); multi: one `serve --workers API`",
    )
    p.add_argument("--concurrency", type=int, default=32, help="concurrent virtual clients (default 32)")
    p.add_argument("--catchup", type=float, default=60.0, help="max seconds for the workers to catch up")
    p.add_argument("--settle", type=float, default=6.0, help="seconds a fake SMM panel takes to complete an order")
    p.add_argument("--otp-ttl", type=int, default=15, help="seconds until a number expires (the fake's activation end)")
    p.add_argument(
        "--sms-delay", type=float, default=0.0, help="seconds after purchase before an SMS may arrive (default: ~1)"
    )
    p.add_argument(
        "--admin-url",
        default=os.environ.get("FLASHPANEL_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    p.add_argument(
        "--grace",
        type=float,
        default=None,
        help="shorten the recovery grace periods to this many seconds (default: 20 with --crash, "
        "else unchanged); see site/sitecustomize.py",
    )
    p.add_argument("--keep", action="store_true", help="keep the scratch database and logs")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = f"flashpanel_scale_{uuid.uuid4().hex[:10]}"
    base = args.admin_url.rpartition("/")[0]
    try:
        with psycopg.connect(args.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"FAILED: PostgreSQL not reachable at {args.admin_url}: {exc}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="flashpanel-scale-"))
    started = time.monotonic()
    code = 1
    try:
        code = asyncio.run(run(args, f"{base}/{name}", workdir))
        return code
    finally:
        if not args.keep:
            with psycopg.connect(args.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if code == 0:
                import shutil

                shutil.rmtree(workdir, ignore_errors=True)
        log(f"done in {time.monotonic() - started:.1f}s (exit {code})")


if __name__ == "__main__":
    sys.exit(main())
