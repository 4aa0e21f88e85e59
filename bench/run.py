"""flashpanel benchmark driver: every scenario against a bare ceiling app, alternately, in one run.

    .venv/bin/python bench/run.py              # full run on the embedded SQLite default (make bench)
    .venv/bin/python bench/run.py --smoke      # ~2 s per scenario, small seeds, data checks only (CI)
    .venv/bin/python bench/run.py --postgres   # PostgreSQL: flashpanel, flashpanel + Redis, asyncpg anchors

flashpanel runs exactly as ``flashpanel serve`` runs it (access log on, background loops in the process);
the run only raises the rate limits and turns the built-in simulators on (they fulfil the seeded
catalog), both through settings. For each scenario wrk drives every server in turn, round after round
(ceiling, [anchor], flashpanel, [flashpanel + Redis]), with the same Lua script and request list, so each
figure is also a ratio to what this machine served seconds earlier. After each write scenario the
database is checked (``checks.py``). A data error makes the run exit 1; a missed speed target is
reported, never fatal.

The modules: ``tools`` (paths, wrk, dependencies), ``servers`` (start/stop/RSS), ``wrk`` (one
measurement), ``scenarios``, ``checks`` (data), ``anchors`` (hand-written asyncpg apps), ``report``,
``profiling`` (``--profile``), ``seed`` (bulk load), ``postgres_db``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

import checks
import seed as seeding
from postgres_db import create_postgres, drop_postgres
from profiling import profiling
from report import ANCHOR, Run, render, to_json
from scenarios import CEILING, Scenario, app_routes, build_scenarios, human
from servers import Server, status_kb
from tools import BENCH, DEPS, RESULTS, VENV_BIN, BenchError, ensure_deps, ensure_wrk, free_port, log, machine
from wrk import Sample, run_wrk

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
RAISED_LIMIT = "1000000/minute"
PURCHASES_PER_SECOND_BOUND = 15_000
FLASHPANEL = "flashpanel"
FLASHPANEL_REDIS = "flashpanel + Redis"
BASELINE = "baseline build"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="short run with small seeds; asserts data, not speed")
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL, with the asyncpg anchors and flashpanel + Redis beside"
    )
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 10, smoke 2)")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 3, smoke 1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, default=1, help="API processes (default 1)")
    parser.add_argument("--large", type=int, help="orders of the large history customer (default 1M, smoke 20k)")
    parser.add_argument("--only", help="run only scenarios whose name contains this text (several: comma-separated)")
    parser.add_argument(
        "--rate-limit", default=RAISED_LIMIT, help=f"every FLASHPANEL_RATE_LIMIT_* for the run (default {RAISED_LIMIT})"
    )
    parser.add_argument("--no-redis", action="store_true", help="--postgres without the flashpanel + Redis server")
    parser.add_argument(
        "--baseline",
        metavar="FLASHPANEL",
        help="also measure another build's `flashpanel serve` (the path of its executable, e.g. a worktree of main "
        "with its own venv) on the same database, for before/after ratios from one run",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record py-spy on flashpanel during each scenario's first round; collapsed stacks and a summary "
        "go to bench-results/profile-*.txt",
    )
    return parser.parse_args(argv)


@dataclass
class Plan:
    duration: float
    rounds: int
    warmup: float
    seed: seeding.Plan


def plan_of(args: argparse.Namespace) -> Plan:
    duration = args.duration or (2.0 if args.smoke else 10.0)
    rounds = args.rounds or (1 if args.smoke else 3)
    warmup = 1.0
    large = args.large or (20_000 if args.smoke else 1_000_000)
    return Plan(
        duration,
        rounds,
        warmup,
        seeding.Plan(
            customers=200 if args.smoke else 1000,
            history_sizes=(1000, large),
            # Enough stock that purchases never sell out, even at 15,000/s per server (more than the
            # ceiling allows for this scenario): a sold-out 422 would count as a data error.
            stock=int(2 * PURCHASES_PER_SECOND_BOUND * (duration * rounds + warmup)),
        ),
    )


def flashpanel_env(tmp: Path, url: str, rate_limit: str) -> dict[str, str]:
    """The environment of `flashpanel serve` for the run: only settings, nothing that changes the code path
    but the raised rate limits and the simulators (the seeded catalog is theirs, bench/seed.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASHPANEL_")}  # nothing leaks in
    env |= {
        "FLASHPANEL_DATABASE_URL": url,
        "FLASHPANEL_SECRET_KEY_FILE": str(tmp / "secret.key"),
        "FLASHPANEL_DEMO_KEY_FILE": str(tmp / "demo.key"),
        "FLASHPANEL_SIMULATORS": "true",
    }
    for name in ("BALANCE", "LIST", "ORDERS", "STATUS", "AUTH_FAILURES"):
        env[f"FLASHPANEL_RATE_LIMIT_{name}"] = rate_limit
    return env


def flashpanel_server(
    name: str, env: dict[str, str], tmp: Path, workers: int, executable: Path = VENV_BIN / "flashpanel"
) -> Server:
    port = free_port()
    cmd = [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    # granian always supervises its API process(es); a baseline build on uvicorn does so only with several
    supervised = executable == VENV_BIN / "flashpanel" or workers > 1
    return Server(name, cmd, env, tmp, port, "/healthz", supervised=supervised)


def uvicorn_server(name: str, app: str, env: dict[str, str], tmp: Path, workers: int) -> Server:
    """The ceiling and the anchors: on uvicorn (the reference the targets are stated against)."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    cmd += ["--no-access-log", "--log-level", "info", "--no-proxy-headers"]
    env = {**env, "PYTHONPATH": f"{BENCH}:{DEPS}"}
    return Server(name, cmd, env, tmp, port, "/healthz", supervised=workers > 1)


def prepare_scenarios(
    args: argparse.Namespace, plan: Plan, seeded: seeding.Seeded, env: dict[str, str], tmp: Path
) -> list[Scenario]:
    routes = app_routes(env)
    scenarios = build_scenarios(seeded, plan.seed.history_sizes)
    if args.only:
        wanted = [text.strip().lower() for text in args.only.split(",")]
        scenarios = [s for s in scenarios if any(text in s.name.lower() for text in wanted)]
    for index, scenario in enumerate(scenarios):
        if scenario.route not in routes:
            scenario.skipped = f"route {scenario.route[0]} {scenario.route[1]} not in the app yet"
        path = tmp / f"requests-{index}.txt"
        path.write_text("\n".join(scenario.paths) + "\n")
        scenario.paths = [str(path)]  # from here on: the file wrk reads
    return scenarios


def measure_scenario(
    scenario: Scenario,
    sides: dict[str, Server],
    plan: Plan,
    args: argparse.Namespace,
    wrk: str,
    check_db: checks.Db,
    seeded: seeding.Seeded,
) -> None:
    """Warm every side up, then ``rounds`` rounds of one measurement per side; check the data after."""
    paths_file = Path(scenario.paths[0])
    measured = {name: server for name, server in sides.items() if name != ANCHOR or scenario.anchored}
    before = checks.snapshot_max_id(check_db, scenario.check_table) if scenario.check_table else 0

    def measure(server: Server, seconds: float) -> Sample:
        return run_wrk(
            wrk, server.url, paths_file, scenario.method, scenario.body, seconds, args.threads, args.connections
        )

    # every run of a side writing to the checked database, warm-ups included: all its answers are checked
    writes: list[Sample] = []
    checked_url = sides[FLASHPANEL].env["FLASHPANEL_DATABASE_URL"]

    def writes_here(name: str) -> bool:
        return name == ANCHOR or (name != CEILING and sides[name].env["FLASHPANEL_DATABASE_URL"] == checked_url)

    for name, server in measured.items():
        sample = measure(server, plan.warmup)
        if writes_here(name):
            writes.append(sample)
    for round_no in range(plan.rounds):
        for name, server in measured.items():
            if args.profile and round_no == 0 and name == FLASHPANEL:
                with profiling(server, scenario.name, plan.duration):
                    sample = measure(server, plan.duration)
            else:
                sample = measure(server, plan.duration)
            scenario.samples.setdefault(name, []).append(sample)
            if writes_here(name):
                writes.append(sample)
    ok, bad = sum(r.ok for r in writes), sum(r.bad for r in writes)
    if bad:
        scenario.problems.append(
            f"{bad} non-2xx answers (429: {sum(r.status_429 for r in writes)}, other 4xx: "
            f"{sum(r.status_4xx for r in writes)}, 5xx: {sum(r.status_5xx for r in writes)})"
        )
    if scenario.check_table:
        checks.wait_until_quiet(check_db, scenario.check_table)
        in_flight = len(writes) * args.connections
        check: Callable[..., list[str]] = (
            checks.check_smm_orders if scenario.check_table == "smm_orders" else checks.check_account_orders
        )
        with check_db.snapshot():
            scenario.problems += check(check_db, seeded, before, ok, bad, in_flight)


def summary_line(scenario: Scenario, sides: list[str]) -> str:
    parts = [
        f"{side} {scenario.median(side, 'rps'):,.0f} req/s (x{scenario.ratio(side):.2f}, "
        f"p99 {scenario.median(side, 'p99_ms'):.1f} ms)"
        for side in sides
        if side in scenario.samples
    ]
    status = ("; DATA ERROR: " + "; ".join(scenario.problems)) if scenario.problems else ""
    checked = "; data ok" if scenario.check_table and not scenario.problems else ""
    return (
        f"{scenario.name}: ceiling {scenario.median(CEILING, 'rps'):,.0f} req/s; " + ", ".join(parts) + checked + status
    )


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # runs main's clean-up: servers stopped, scratch database dropped


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = parse_args(argv)
    plan = plan_of(args)
    try:
        wrk = ensure_wrk()
        ensure_deps(postgres=args.postgres)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="fp-bench-"))
    pg_db: str | None = None
    servers: list[Server] = []
    info = machine()
    started = time.time()
    command = "bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        if args.postgres:
            pg_db = f"fp_bench_{secrets.token_hex(4)}"
            url = create_postgres(pg_db)
            backend = f"PostgreSQL, {args.workers} API process(es) per server"
        else:
            url = f"sqlite:///{tmp}/bench.db"
            backend = f"SQLite (embedded default), {args.workers} API process(es)"
        env = flashpanel_env(tmp, url, args.rate_limit)
        log(f"backend: {backend}; wrk -t{args.threads} -c{args.connections}, {plan.duration:g} s x {plan.rounds}")
        from flashpanel.db.migrate import upgrade

        upgrade(url)
        log(
            f"seeding: {plan.seed.customers} customers, history {human(plan.seed.history_sizes[0])} and "
            f"{human(plan.seed.history_sizes[1])} orders, {plan.seed.stock:,} stock items"
        )
        seeded = seeding.seed(url, plan.seed, secret_key_file=tmp / "secret.key")
        log(f"seeded {seeded.rows:,} rows in {seeded.seconds:.1f} s")
        scenarios = prepare_scenarios(args, plan, seeded, env, tmp)

        sides = {CEILING: uvicorn_server(CEILING, "ceiling:app", env, tmp, args.workers)}
        if args.postgres:
            sides[ANCHOR] = uvicorn_server(ANCHOR, "anchors:app", {**env, "BENCH_DATABASE_URL": url}, tmp, args.workers)
        sides[FLASHPANEL] = flashpanel_server(FLASHPANEL, env, tmp, args.workers)
        if args.postgres and not args.no_redis:
            redis_env = {**env, "FLASHPANEL_REDIS_URL": REDIS_URL}
            sides[FLASHPANEL_REDIS] = flashpanel_server(FLASHPANEL_REDIS, redis_env, tmp, args.workers)
        if args.baseline:
            baseline_env = env
            if not args.postgres:  # two processes writing one SQLite file would queue on its lock: a copy
                shutil.copyfile(tmp / "bench.db", tmp / "baseline.db")
                baseline_env = {**env, "FLASHPANEL_DATABASE_URL": f"sqlite:///{tmp}/baseline.db"}
            sides[BASELINE] = flashpanel_server(BASELINE, baseline_env, tmp, args.workers, Path(args.baseline))
        servers = list(sides.values())
        for server in servers:
            server.start()
            server.sample_rss()
        fp = sides[FLASHPANEL]
        idle_rss_mb = max(status_kb(p, "VmRSS") for p in fp.api_pids()) / 1024
        log(f"API RSS after start-up, before any request: {idle_rss_mb:.1f} MB")
        flashpanel_sides = [name for name in sides if name not in (CEILING, ANCHOR)]

        check_db = checks.Db(url)
        for scenario in scenarios:
            if scenario.skipped:
                log(f"SKIP {scenario.name}: {scenario.skipped}")
                continue
            measure_scenario(scenario, sides, plan, args, wrk, check_db, seeded)
            scenario.rss_after_mb = max(status_kb(p, "VmRSS") for p in fp.api_pids()) / 1024
            log(summary_line(scenario, [ANCHOR, *flashpanel_sides]) + f"; API RSS {scenario.rss_after_mb:.1f} MB")
        check_db.close()
        rss_mb = {name: server.peak_hwm_kb() / 1024 for name, server in sides.items()}
        for server in servers:
            server.stop()
        servers = []

        load = os.getloadavg()
        run = Run(
            backend=backend,
            command=command,
            machine=info,
            settings=f"wrk -t{args.threads} -c{args.connections}, {plan.duration:g} s per measurement, "
            f"{plan.rounds} round(s), {args.workers} API process(es) per server; ceiling and anchor on uvicorn, "
            "flashpanel as `flashpanel serve` runs it",
            elapsed_s=time.time() - started,
            load_at_end=f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
            smoke=args.smoke,
            sides=flashpanel_sides,
            rss_mb=rss_mb,
            idle_rss_mb=idle_rss_mb,
        )
        report = render(run, scenarios)
        print(report)
        RESULTS.mkdir(exist_ok=True)
        stem = f"{'postgres' if args.postgres else 'sqlite'}{'-smoke' if args.smoke else ''}"
        (RESULTS / f"{stem}.md").write_text(report + "\n")
        (RESULTS / f"{stem}.json").write_text(json.dumps(to_json(run, scenarios), indent=2))
        log(f"written {RESULTS / (stem + '.md')}")
        data_errors = sum(bool(s.problems) for s in scenarios)
        if data_errors:
            print(f"bench: FAILED - {data_errors} scenario(s) with data errors", file=sys.stderr)
            return 1
        return 0
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
        if pg_db:
            drop_postgres(pg_db)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
