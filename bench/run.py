"""flashpanel benchmark driver: every scenario against a bare ceiling app, alternately, in one run.

    .venv/bin/python bench/run.py              # full run on the embedded SQLite default (make bench)
    .venv/bin/python bench/run.py --smoke      # ~2 s per scenario, small seeds, data checks only (CI)
    .venv/bin/python bench/run.py --postgres   # PostgreSQL + Redis, 2 API processes

For each scenario wrk drives the ceiling (A) and flashpanel (B) alternately, A B A B…, with the same Lua
script and request list, so each flashpanel figure is also a ratio to what this machine can serve at that
moment. Rate limits are raised through FLASHPANEL_RATE_LIMIT_* for the run (never disabled in code).
After each write scenario the database is checked: every answered order is there with its charge row,
balances equal initial - charges and the ledger sum, no stock item is sold twice. A data error makes the
run exit 1 (in every mode); a missed speed target is reported, never fatal.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import seed as seeding  # noqa: E402  (bench/ is not a package)

VENV_BIN = Path(sys.executable).parent
LUA = BENCH / "lua" / "requests.lua"
DEPS = BENCH / ".deps"
RESULTS = ROOT / "bench-results"
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
RAISED_LIMIT = "1000000/minute"
RSS_TARGET_MB = 80.0
PURCHASES_PER_SECOND_BOUND = 15_000


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(Exception):
    """The bench could not run (missing tool, server did not start): exit 2."""


# -- tools ----------------------------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing the Debian package (apt-get install -y wrk)")
    apt = shutil.which("apt-get")
    if apt is None:
        raise BenchError("wrk is not installed and apt-get is not available: install wrk and run again")

    def apt_get(*words: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([apt, *words], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)

    if apt_get("install", "-y", "-q", "wrk").returncode != 0:
        apt_get("update", "-q")
        result = apt_get("install", "-y", "-q", "wrk")
        if result.returncode != 0:
            raise BenchError(
                "could not install wrk with apt-get (are you root, with a package mirror reachable?):\n"
                + result.stderr.decode(errors="replace")[-2000:]
            )
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get reported success but wrk is still not on PATH")
    return found


def ensure_starlette() -> str:
    """Make Starlette importable by the ceiling (from bench/.deps, never the project's venv)."""
    probe = [sys.executable, "-c", "import starlette"]
    env = {**os.environ, "PYTHONPATH": str(DEPS)}
    if subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0:
        return "starlette"
    log("installing Starlette for the ceiling app into bench/.deps (not into the project's venv)")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            str(DEPS),
            "starlette>=0.40,<1",
        ],
        capture_output=True,
        check=False,
    )
    if result.returncode == 0 and subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0:
        return "starlette"
    log("WARNING: Starlette unavailable; the ceiling is a pure ASGI callable (ratios slightly stricter)")
    return "pure-asgi"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- servers --------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], cwd: Path, port: int, health: str, workers: int
    ) -> None:
        self.name, self.cmd, self.env, self.cwd, self.port, self.health = name, cmd, env, cwd, port, health
        self.workers = workers
        self.log_path = cwd / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss_kb = 0
        self._sampling = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        handle = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited at start-up:\n{self.log_tail()}")
            try:
                status, _ = http_get(self.url + self.health)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer {self.health} within {timeout:.0f} s:\n{self.log_tail()}")

    def api_pids(self) -> list[int]:
        """The processes serving requests: the server itself, or its workers under a supervisor."""
        assert self.proc is not None
        if self.workers == 1:
            return [self.proc.pid]
        pids = []
        for child in _children(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                pids.append(child)
        return pids

    def sample_rss(self) -> None:
        self._sampling = True

        def loop() -> None:
            while self._sampling and self.proc and self.proc.poll() is None:
                self.peak_rss_kb = max([self.peak_rss_kb, *(_status_kb(p, "VmRSS") for p in self.api_pids())])
                time.sleep(0.25)

        threading.Thread(target=loop, daemon=True).start()

    def peak_hwm_kb(self) -> int:
        """The kernel's own high-water mark (VmHWM) of the largest API process, and the sampled peak."""
        return max([self.peak_rss_kb, *(_status_kb(p, "VmHWM") for p in self.api_pids())])

    def stop(self) -> None:
        self._sampling = False
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def http_get(url: str) -> tuple[int, bytes]:
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", "/" + path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# -- wrk ------------------------------------------------------------------------------------------------
@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    ok: int
    bad: int
    socket_errors: int
    status_429: int = 0
    status_4xx: int = 0
    status_5xx: int = 0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> Sample:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    counts = re.search(r"BENCH ok=(\d+) bad=(\d+) 429=(\d+) other4xx=(\d+) 5xx=(\d+)", output)
    ok, bad, too_many, other_4xx, server_errors = (int(x) for x in counts.groups()) if counts else (0,) * 5
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(x) for x in errors.groups()) if errors else 0
    return Sample(rps, p50, p99, ok, bad, socket_errors, too_many, other_4xx, server_errors)


def run_wrk(
    wrk: str,
    base_url: str,
    paths_file: Path,
    method: str,
    body: str | None,
    seconds: float,
    threads: int,
    connections: int,
) -> Sample:
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        base_url,
        "--",
        str(paths_file),
        method,
        body or "",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 or "Requests/sec" not in result.stdout:
        raise BenchError(f"wrk failed ({' '.join(cmd)}):\n{result.stdout}\n{result.stderr}")
    return parse_wrk(result.stdout)


# -- database checks ------------------------------------------------------------------------------------
class Db:
    """Read-only access for the checks (sqlite3 / psycopg, ``?`` placeholders). Outside
    :meth:`snapshot` every statement sees the latest committed data."""

    def __init__(self, url: str) -> None:
        self.is_postgres = url.startswith("postgres")
        if self.is_postgres:
            import psycopg

            self.raw: Any = psycopg.connect(url, autocommit=True)
        else:
            import sqlite3

            self.raw = sqlite3.connect(url[len("sqlite:///") :], timeout=30, isolation_level=None)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """All statements inside see one consistent state, even if the server is still committing
        (SQLite WAL read transaction / PostgreSQL REPEATABLE READ)."""
        self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if self.is_postgres else "BEGIN")
        try:
            yield
        finally:
            self.raw.execute("COMMIT")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.is_postgres:
            sql = sql.replace("?", "%s")
        rows: list[tuple[Any, ...]] = self.raw.execute(sql, params).fetchall()
        return rows

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.all(sql, params)[0][0]

    def close(self) -> None:
        self.raw.close()


def check_money(db: Db, initial: dict[int, int]) -> list[str]:
    """Every customer: balance == initial - order charges + refunds == the ledger sum."""
    rows = db.all(
        "SELECT c.id, c.balance_cents,"
        " (SELECT COALESCE(SUM(l.amount_cents), 0) FROM ledger_entries l WHERE l.customer_id = c.id),"
        " (SELECT COALESCE(SUM(l.amount_cents), 0) FROM ledger_entries l WHERE l.customer_id = c.id"
        "   AND l.kind = 'refund'),"
        " (SELECT COALESCE(SUM(o.charge_cents), 0) FROM smm_orders o WHERE o.customer_id = c.id),"
        " (SELECT COALESCE(SUM(a.charge_cents), 0) FROM account_orders a WHERE a.customer_id = c.id),"
        " (SELECT COALESCE(SUM(p.charge_cents), 0) FROM otp_orders p WHERE p.customer_id = c.id)"
        " FROM customers c"
    )
    problems = []
    for cid, balance, ledger_sum, refunds, smm, accounts, otp in rows:
        expected = initial.get(cid, 0) - smm - accounts - otp + refunds
        if not (balance == expected == ledger_sum):
            problems.append(f"customer {cid}: balance {balance} != initial-charges {expected} / ledger {ledger_sum}")
    if problems:
        return [f"{len(problems)} customer balance(s) wrong, e.g. {problems[0]}"]
    return []


def check_counts(kind: str, new_orders: int, ok: int, bad: int, in_flight: int) -> list[str]:
    problems = []
    if new_orders < ok:
        problems.append(f"LOST DATA: {ok} {kind} requests answered 2xx but only {new_orders} new orders exist")
    if new_orders > ok + in_flight:
        problems.append(f"{new_orders} new {kind} orders for {ok} 2xx answers (+{in_flight} cut off in flight)")
    return problems


def snapshot_max_id(db: Db, table: str) -> int:
    return int(db.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))


def wait_until_quiet(db: Db, table: str, *, settle: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until no new row has appeared in ``table`` for ``settle`` seconds: requests wrk gave up on
    at the end of a run are still queued in the server and commit after wrk has stopped."""
    deadline = time.monotonic() + timeout
    last, quiet_since = snapshot_max_id(db, table), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        current = snapshot_max_id(db, table)
        if current != last:
            last, quiet_since = current, time.monotonic()
        elif time.monotonic() - quiet_since >= settle:
            return


def check_smm_orders(db: Db, seeded: seeding.Seeded, before: int, ok: int, bad: int, in_flight: int) -> list[str]:
    new = int(db.scalar("SELECT COUNT(*) FROM smm_orders WHERE id > ?", (before,)))
    problems = check_counts("SMM", new, ok, bad, in_flight)
    wrong = db.scalar(
        "SELECT COUNT(*) FROM smm_orders WHERE id > ? AND (charge_cents != ? OR quantity != ? OR service_id != ?)",
        (before, seeding.ORDER_CHARGE_CENTS, seeding.ORDER_QUANTITY, seeding.SERVICE_ID),
    )
    if wrong:
        problems.append(f"{wrong} new SMM orders with a wrong charge, quantity or service")
    unmatched = db.scalar(
        "SELECT COUNT(*) FROM smm_orders o WHERE o.id > ? AND 1 != (SELECT COUNT(*) FROM ledger_entries l"
        " WHERE l.kind = 'charge' AND l.order_kind = 'smm' AND l.order_id = o.id"
        " AND l.customer_id = o.customer_id AND l.amount_cents = -o.charge_cents)",
        (before,),
    )
    if unmatched:
        problems.append(f"{unmatched} new SMM orders without exactly one matching charge ledger row")
    orders = db.scalar("SELECT COUNT(*) FROM smm_orders")
    charges = db.scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'charge' AND order_kind = 'smm'")
    if orders != charges:
        problems.append(f"{orders} SMM orders but {charges} SMM charge ledger rows")
    return problems + check_money(db, seeded.initial_cents)


def check_account_orders(db: Db, seeded: seeding.Seeded, before: int, ok: int, bad: int, in_flight: int) -> list[str]:
    new, _units = db.all("SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM account_orders WHERE id > ?", (before,))[0]
    problems = check_counts("accounts", int(new), ok, bad, in_flight)
    sold, distinct_fp, distinct_secret = db.all(
        "SELECT COUNT(*), COUNT(DISTINCT fingerprint), COUNT(DISTINCT secret_encrypted) FROM stock_items"
        " WHERE order_id IS NOT NULL"
    )[0]
    total_units = db.scalar("SELECT COALESCE(SUM(quantity), 0) FROM account_orders")
    if sold != total_units:
        problems.append(f"{sold} stock items marked sold for {total_units} units ordered")
    if not (sold == distinct_fp == distinct_secret):
        problems.append(f"DUPLICATED STOCK: {sold} sold rows, {distinct_fp} distinct fingerprints")
    short = db.scalar(
        "SELECT COUNT(*) FROM account_orders a WHERE a.quantity != (SELECT COUNT(*) FROM stock_items s"
        " WHERE s.order_id = a.id)"
    )
    if short:
        problems.append(f"{short} account orders whose delivered items do not match their quantity")
    wrong = db.scalar(
        "SELECT COUNT(*) FROM account_orders WHERE charge_cents != quantity * unit_price_cents"
        " OR unit_price_cents != ?",
        (seeding.PRODUCT_PRICE_CENTS,),
    )
    if wrong:
        problems.append(f"{wrong} account orders with a wrong charge")
    unmatched = db.scalar(
        "SELECT COUNT(*) FROM account_orders a WHERE 1 != (SELECT COUNT(*) FROM ledger_entries l"
        " WHERE l.kind = 'charge' AND l.order_kind = 'accounts' AND l.order_id = a.id"
        " AND l.customer_id = a.customer_id AND l.amount_cents = -a.charge_cents)"
    )
    if unmatched:
        problems.append(f"{unmatched} account orders without exactly one matching charge ledger row")
    return problems + check_money(db, seeded.initial_cents)


# -- scenarios ------------------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    route: tuple[str, str]  # (method, path) that must exist in the app
    paths: list[str]
    body: str | None = None
    check_table: str | None = None  # write scenarios: the orders table checked afterwards
    samples_fp: list[Sample] = field(default_factory=list)
    samples_ceiling: list[Sample] = field(default_factory=list)
    skipped: str | None = None
    rss_after_mb: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.route[0]

    def fp(self, attr: str) -> float:
        return float(statistics.median(getattr(s, attr) for s in self.samples_fp))

    def ceiling(self, attr: str) -> float:
        return float(statistics.median(getattr(s, attr) for s in self.samples_ceiling))

    @property
    def ratio(self) -> float:
        pairs = zip(self.samples_fp, self.samples_ceiling, strict=True)
        return statistics.median(f.rps / c.rps for f, c in pairs if c.rps > 0)


def build_scenarios(seeded: seeding.Seeded, sizes: tuple[int, ...]) -> list[Scenario]:
    keys = seeded.keys
    api = "/api/v1"
    order_body = json.dumps(
        {"service": seeding.SERVICE_ID, "link": "https://example.com/bench", "quantity": seeding.ORDER_QUANTITY},
        separators=(",", ":"),
    )
    purchase_body = json.dumps({"product": seeding.PRODUCT_ID, "quantity": 1}, separators=(",", ":"))
    scenarios = [
        Scenario("GET /balance", ("GET", f"{api}/balance"), [f"{api}/balance?key={k}" for k in keys]),
        Scenario("GET /smm/services", ("GET", f"{api}/smm/services"), [f"{api}/smm/services?key={k}" for k in keys]),
        Scenario(
            "GET /smm/status",
            ("GET", f"{api}/smm/status"),
            [f"{api}/smm/status?key={k}&order={o}" for k, o in seeded.status_orders],
        ),
        Scenario(
            "POST /smm/order",
            ("POST", f"{api}/smm/order"),
            [f"{api}/smm/order?key={k}" for k in keys],
            body=order_body,
            check_table="smm_orders",
        ),
        Scenario(
            "POST /accounts/purchase",
            ("POST", f"{api}/accounts/purchase"),
            [f"{api}/accounts/purchase?key={k}" for k in keys],
            body=purchase_body,
            check_table="account_orders",
        ),
    ]
    for size in sizes:
        key = seeded.history_keys[size]
        last_page = (size + 19) // 20
        for label, page in (("page 1", 1), (f"deep p{last_page}", last_page)):
            scenarios.append(
                Scenario(
                    f"GET /smm/orders {human(size)} {label}",
                    ("GET", f"{api}/smm/orders"),
                    [f"{api}/smm/orders?key={key}&page={page}&limit=20"],
                )
            )
    return scenarios


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def app_routes(env: dict[str, str]) -> set[tuple[str, str]]:
    code = (
        "import json\nfrom flashpanel.app import create_app\napp = create_app(run_worker=False)\n"
        "print(json.dumps(sorted({(m, r.path) for r in app.routes for m in getattr(r, 'methods', ())})))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"could not import the app to list its routes:\n{result.stderr[-3000:]}")
    return {(m, p) for m, p in json.loads(result.stdout.strip().splitlines()[-1])}


# -- the run --------------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    load = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_at_start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="short run with small seeds; asserts data, not speed")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis with 2 API processes")
    parser.add_argument("--duration", type=float, help="seconds per measurement (default 10, smoke 2)")
    parser.add_argument("--rounds", type=int, help="A/B rounds per scenario (default 3, smoke 1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, help="API processes (default 1, --postgres 2)")
    parser.add_argument("--large", type=int, help="orders of the large history customer (default 1M, smoke 20k)")
    parser.add_argument("--only", help="run only scenarios whose name contains this text")
    parser.add_argument(
        "--rate-limit", default=RAISED_LIMIT, help=f"every FLASHPANEL_RATE_LIMIT_* for the run (default {RAISED_LIMIT})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    parser.add_argument(
        "--access-log", action="store_true", help="flashpanel writes its access log (default: off, like the ceiling)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record py-spy (PATH or /tmp/pyspy/bin) on flashpanel during each scenario's first "
        "round; collapsed stacks and a summary go to bench-results/profile-*.txt",
    )
    args = parser.parse_args(argv)

    duration = args.duration or (2.0 if args.smoke else 10.0)
    rounds = args.rounds or (1 if args.smoke else 3)
    workers = args.workers or (2 if args.postgres else 1)
    large = args.large or (20_000 if args.smoke else 1_000_000)
    warmup = 1.0
    plan = seeding.Plan(
        customers=200 if args.smoke else 1000,
        history_sizes=(1000, large),
        # Enough stock that purchases never sell out, even at 15,000/s (more than the ceiling allows
        # for this scenario): a sold-out 422 would count as a data error.
        stock=int(PURCHASES_PER_SECOND_BOUND * (duration * rounds + warmup)),
    )

    try:
        wrk = ensure_wrk()
        ceiling_impl = ensure_starlette()
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
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FLASHPANEL_")},  # nothing leaks in
            "FLASHPANEL_SECRET_KEY_FILE": str(tmp / "secret.key"),
            "FLASHPANEL_DEMO_KEY_FILE": str(tmp / "demo.key"),
            "FLASHPANEL_RUN_WORKER": "false",
            "FLASHPANEL_REDIS_URL": "",
            "FLASHPANEL_SIMULATORS": "true",  # the seeded catalog is the built-in simulator's (bench/seed.py)
        }
        for name in ("BALANCE", "LIST", "ORDERS", "STATUS", "AUTH_FAILURES"):
            env[f"FLASHPANEL_RATE_LIMIT_{name}"] = args.rate_limit
        if args.postgres:
            pg_db = f"fp_bench_{secrets.token_hex(4)}"
            url = create_postgres(pg_db)
            env["FLASHPANEL_REDIS_URL"] = REDIS_URL
            backend = f"PostgreSQL + Redis, {workers} API processes"
        else:
            url = f"sqlite:///{tmp}/bench.db"
            backend = f"SQLite (embedded default), {workers} API process"
        env["FLASHPANEL_DATABASE_URL"] = url

        log(
            f"backend: {backend}; ceiling: {ceiling_impl}; wrk -t{args.threads} -c{args.connections}, "
            f"{duration:g} s x {rounds} round(s) per side and scenario"
        )
        from flashpanel.db.migrate import upgrade

        upgrade(url)
        log(
            f"seeding: {plan.customers} customers, history {human(plan.history_sizes[0])} and "
            f"{human(plan.history_sizes[1])} orders, {plan.stock:,} stock items"
        )
        seeded = seeding.seed(url, plan, secret_key_file=tmp / "secret.key")
        log(f"seeded {seeded.rows:,} rows in {seeded.seconds:.1f} s")

        routes = app_routes(env)
        scenarios = build_scenarios(seeded, plan.history_sizes)
        if args.only:
            scenarios = [s for s in scenarios if args.only.lower() in s.name.lower()]
        for index, scenario in enumerate(scenarios):
            if scenario.route not in routes:
                scenario.skipped = f"route {scenario.route[0]} {scenario.route[1]} not in the app yet"
            path = tmp / f"requests-{index}.txt"
            path.write_text("\n".join(scenario.paths) + "\n")
            scenario.paths = [str(path)]  # from here on: the file wrk reads

        fp = Server(
            "flashpanel",
            [
                str(VENV_BIN / "flashpanel"),
                "serve",
                "--no-worker",
                "--host",
                "127.0.0.1",
                "--port",
                str(free_port()),
                "--workers",
                str(workers),
                *([] if args.access_log else ["--no-access-log"]),
            ],
            env,
            tmp,
            0,
            "/healthz",
            workers,
        )
        fp.port = int(fp.cmd[fp.cmd.index("--port") + 1])
        ceiling_port = free_port()
        ceiling_env = {**env, "PYTHONPATH": f"{BENCH}:{DEPS}"}
        ceiling = Server(
            "ceiling",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ceiling:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(ceiling_port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "info",
                "--no-proxy-headers",
            ],
            ceiling_env,
            tmp,
            ceiling_port,
            "/",
            workers,
        )
        servers = [fp, ceiling]
        for server in servers:
            server.start()
        fp.sample_rss()
        idle_rss_mb = max(_status_kb(p, "VmRSS") for p in fp.api_pids()) / 1024
        log(f"API RSS after start-up, before any request: {idle_rss_mb:.1f} MB")
        log(f"flashpanel on {fp.url} (pid {fp.proc.pid if fp.proc else '?'}), ceiling on {ceiling.url}")

        check_db = Db(url)
        data_errors = 0
        for scenario in scenarios:
            if scenario.skipped:
                log(f"SKIP {scenario.name}: {scenario.skipped}")
                continue
            paths_file = Path(scenario.paths[0])
            before = snapshot_max_id(check_db, scenario.check_table) if scenario.check_table else 0

            def measure(
                server: Server, seconds: float, scenario: Scenario = scenario, paths_file: Path = paths_file
            ) -> Sample:
                return run_wrk(
                    wrk, server.url, paths_file, scenario.method, scenario.body, seconds, args.threads, args.connections
                )

            fp_runs: list[Sample] = []  # every flashpanel run, warm-up included: all its answers are checked
            for server in (ceiling, fp):  # warm-up, not recorded
                sample = measure(server, warmup)
                if server is fp:
                    fp_runs.append(sample)
            for round_no in range(rounds):
                scenario.samples_ceiling.append(measure(ceiling, duration))
                if args.profile and round_no == 0:
                    with profiling(fp, scenario.name, duration):
                        sample = measure(fp, duration)
                else:
                    sample = measure(fp, duration)
                scenario.samples_fp.append(sample)
                fp_runs.append(sample)
            fp_ok, fp_bad = sum(r.ok for r in fp_runs), sum(r.bad for r in fp_runs)
            if fp_bad:
                scenario.problems.append(
                    f"{fp_bad} non-2xx answers (429: {sum(r.status_429 for r in fp_runs)}, other 4xx: "
                    f"{sum(r.status_4xx for r in fp_runs)}, 5xx: {sum(r.status_5xx for r in fp_runs)})"
                )
            if scenario.check_table:
                wait_until_quiet(check_db, scenario.check_table)
                in_flight = len(fp_runs) * args.connections
                check: Callable[..., list[str]] = (
                    check_smm_orders if scenario.check_table == "smm_orders" else check_account_orders
                )
                with check_db.snapshot():
                    scenario.problems += check(check_db, seeded, before, fp_ok, fp_bad, in_flight)
            scenario.rss_after_mb = max(_status_kb(p, "VmRSS") for p in fp.api_pids()) / 1024
            status = "DATA ERROR: " + "; ".join(scenario.problems) if scenario.problems else "data ok"
            data_errors += bool(scenario.problems)
            log(
                f"{scenario.name}: {scenario.fp('rps'):,.0f} req/s (ceiling {scenario.ceiling('rps'):,.0f}, "
                f"ratio {scenario.ratio:.2f}), p50 {scenario.fp('p50_ms'):.2f} ms, p99 {scenario.fp('p99_ms'):.2f} ms"
                f"{'; ' + status if scenario.check_table or scenario.problems else ''}"
                f"; API RSS now {scenario.rss_after_mb:.1f} MB"
            )
        check_db.close()
        rss_mb = fp.peak_hwm_kb() / 1024
        ceiling_rss_mb = ceiling.peak_hwm_kb() / 1024
        for server in servers:
            server.stop()
        servers = []

        report = render(
            scenarios,
            rss_mb,
            ceiling_rss_mb,
            info,
            backend,
            ceiling_impl,
            command,
            args,
            duration,
            rounds,
            workers,
            time.time() - started,
            smoke=args.smoke,
        )
        print(report)
        RESULTS.mkdir(exist_ok=True)
        stem = f"{'postgres' if args.postgres else 'sqlite'}{'-smoke' if args.smoke else ''}"
        (RESULTS / f"{stem}.md").write_text(report + "\n")
        (RESULTS / f"{stem}.json").write_text(json.dumps(to_json(scenarios, rss_mb, info, command), indent=2))
        log(f"written {RESULTS / (stem + '.md')}")
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


@contextlib.contextmanager
def profiling(server: Server, name: str, seconds: float) -> Iterator[None]:
    """py-spy on every API process while the block runs; writes collapsed stacks and a summary."""
    py_spy = shutil.which("py-spy") or "/tmp/pyspy/bin/py-spy"
    if not Path(py_spy).exists():
        raise BenchError("--profile needs py-spy: python3 -m pip install --target /tmp/pyspy py-spy")
    RESULTS.mkdir(exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    recorders = []
    for pid in server.api_pids():
        out = RESULTS / f"profile-{slug}-{pid}.collapsed"
        recorders.append(
            (
                out,
                subprocess.Popen(
                    [
                        py_spy,
                        "record",
                        "--pid",
                        str(pid),
                        "--duration",
                        str(max(1, round(seconds))),
                        "--rate",
                        "200",
                        "--format",
                        "raw",
                        "--threads",
                        "--output",
                        str(out),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    try:
        yield
    finally:
        for out, recorder in recorders:
            recorder.wait(timeout=60)
            if out.exists():
                summary = summarize_profile(out.read_text())
                (out.with_suffix(".txt")).write_text(summary)
                log(f"profile of {name} (pid {out.stem.rsplit('-', 1)[1]}): {out.with_suffix('.txt')}")


def summarize_profile(collapsed: str, top: int = 25) -> str:
    """Top functions by own samples and by inclusive samples, from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [f for f in stack.split(";") if not f.startswith("thread ")]
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [f"{total} samples (all threads)", "", "own samples by thread and package (innermost frame):"]
    lines += [f"{n / total:6.1%}  {k}" for k, n in sorted(by_package(collapsed).items(), key=lambda x: -x[1])[:top]]
    lines += ["", "own samples:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "inclusive samples:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in sorted(inclusive.items(), key=lambda x: -x[1])[: top * 2]]
    return "\n".join(lines) + "\n"


def by_package(collapsed: str) -> dict[str, int]:
    """Own samples grouped by (thread kind, top-level package of the innermost Python frame)."""
    out: dict[str, int] = {}
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if len(frames) < 2:
            continue
        thread = "event loop" if "MainThread" in frames[0] else re.sub(r"^thread \(\d+\): |_\d+$", "", frames[0])
        match = re.search(r"\(([^/:]+?)(?:/|\.py:)", frames[-1])
        package = match.group(1) if match else frames[-1]
        key = f"{thread}: {package}"
        out[key] = out.get(key, 0) + int(count_text)
    return out


def create_postgres(name: str) -> str:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise BenchError(f"cannot create the scratch database on {POSTGRES_ADMIN_URL}: {error}") from error
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as error:
        log(f"WARNING: could not drop scratch database {name}: {error}")


# -- report ---------------------------------------------------------------------------------------------
def render(
    scenarios: list[Scenario],
    rss_mb: float,
    ceiling_rss_mb: float,
    info: dict[str, str],
    backend: str,
    ceiling_impl: str,
    command: str,
    args: argparse.Namespace,
    duration: float,
    rounds: int,
    workers: int,
    elapsed: float,
    *,
    smoke: bool,
) -> str:
    by_name = {s.name: s for s in scenarios}
    targets: dict[str, tuple[str, bool]] = {}

    def ratio_target(name: str, minimum: float) -> None:
        s = by_name.get(name)
        if s and s.samples_fp:
            targets[name] = (f"ratio >= {minimum:.2f}", s.ratio >= minimum)

    ratio_target("GET /balance", 0.50)
    ratio_target("POST /smm/order", 0.20)
    history = [s for s in scenarios if s.name.startswith("GET /smm/orders") and s.samples_fp]
    small = [s for s in history if s.name.startswith("GET /smm/orders 1k")]
    large = [s for s in history if not s.name.startswith("GET /smm/orders 1k")]
    for big, little in zip(large, small, strict=False):
        limit = 1.5 * little.fp("p99_ms")
        targets[big.name] = (f"p99 <= 1.5 x 1k ({limit:.1f} ms)", big.fp("p99_ms") <= limit)

    lines = [
        f"### {backend}{' (smoke: data checks only, speeds not judged)' if smoke else ''}",
        "",
        f"Machine: {info['nproc']} cores, {info['cpu']}, {info['ram']} RAM, Python {info['python']}, "
        f"Linux {info['kernel']}; load average at start {info['load_at_start']}.",
        f"Command: `{command}` — wrk -t{args.threads} -c{args.connections}, {duration:g} s per measurement, "
        f"{rounds} A/B round(s), {workers} uvicorn worker(s) each side, ceiling = {ceiling_impl}; "
        f"figures are medians over rounds; run took {elapsed:.0f} s.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | ceiling req/s | ceiling p99 ms | ratio | errors | data | target "
        "| result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for s in scenarios:
        if s.skipped:
            lines.append(f"| {s.name} | - | - | - | - | - | - | - | - | SKIPPED: {s.skipped} | SKIP |")
            continue
        if not s.samples_fp:
            continue
        target, passed = targets.get(s.name, ("", True))
        result = ("PASS" if passed else "MISS") if target and not smoke else ""
        data = ("ERROR" if s.problems else "ok") if s.check_table or s.problems else ""
        errors = sum(x.bad + x.socket_errors for x in s.samples_fp)
        lines.append(
            f"| {s.name} | {s.fp('rps'):,.0f} | {s.fp('p50_ms'):.2f} | {s.fp('p99_ms'):.2f} | "
            f"{s.ceiling('rps'):,.0f} | {s.ceiling('p99_ms'):.2f} | {s.ratio:.2f} | {errors} | {data} | "
            f"{target} | {result} |"
        )
    rss_pass = rss_mb <= RSS_TARGET_MB
    lines.append(
        f"| peak RSS of an API process (VmHWM) | | | | | | | | | <= {RSS_TARGET_MB:.0f} MB (ceiling: "
        f"{ceiling_rss_mb:.0f} MB) | {rss_mb:.1f} MB {'' if smoke else ('PASS' if rss_pass else 'MISS')} |"
    )
    for s in scenarios:
        for problem in s.problems:
            lines.append(f"\nDATA ERROR in {s.name}: {problem}")
    return "\n".join(lines)


def to_json(scenarios: list[Scenario], rss_mb: float, info: dict[str, str], command: str) -> dict[str, Any]:
    return {
        "command": command,
        "machine": info,
        "peak_rss_mb": rss_mb,
        "scenarios": [
            {
                "name": s.name,
                "skipped": s.skipped,
                "rss_after_mb": s.rss_after_mb,
                "problems": s.problems,
                "flashpanel": [vars(x) for x in s.samples_fp],
                "ceiling": [vars(x) for x in s.samples_ceiling],
            }
            for s in scenarios
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
