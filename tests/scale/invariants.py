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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from psycopg.rows import dict_row

if not __package__:  # run as a script (python tests/scale/invariants.py): make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.scale.fakes import SMM_KEY, SMS_KEY

ROOT = Path(__file__).resolve().parents[2]
FLASHPANEL = Path(sys.executable).with_name("flashpanel")
SITE_DIR = Path(__file__).resolve().with_name("site")

SMM_TERMINAL = ("completed", "partial", "cancelled")
OTP_TERMINAL = ("completed", "cancelled", "expired", "failed")
OTP_REFUNDED = ("cancelled", "expired", "failed")

# The load mix: kind -> (weight, domain it needs). Balance checks need nothing but the wallet.
MIX: dict[str, tuple[int, str]] = {
    "balance": (14, "wallet"),
    "smm_order": (24, "smm"),
    "smm_status": (5, "smm"),
    "smm_orders": (2, "smm"),
    "otp_purchase": (16, "otp"),
    "otp_check": (5, "otp"),
    "otp_cancel": (9, "otp"),
    "acc_purchase": (14, "accounts"),
    "acc_order": (3, "accounts"),
    "list": (3, "any"),
    # The SMM API v2 that resellers' bots speak, on the same orders: add, multi-status, cancel.
    "v2_add": (6, "v2"),
    "v2_status": (2, "v2"),
    "v2_cancel": (4, "v2"),
    # Races across processes: one customer's cancel sent to two API processes at once; one customer firing
    # five purchases at once, spread over every API process.
    "otp_double_cancel": (3, "otp"),
    "burst": (2, "any"),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def cents(text: str | int | float | None) -> int:
    return int((Decimal(str(text)) * 100).to_integral_value())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- processes ---------------------------------------------------------------------------------------
class Proc:
    """One child process we may kill -9 and restart; each incarnation logs to its own file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path, port: int | None = None):
        self.name = name
        self.argv = argv
        self.env = env
        self.logdir = logdir
        self.port = port
        self.popen: subprocess.Popen[bytes] | None = None
        self.generation = 0
        self.up = False  # API: answering /healthz and eligible for the load

    @property
    def log_path(self) -> Path:
        return self.logdir / f"{self.name}.{self.generation}.log"

    def start(self) -> None:
        self.generation += 1
        with self.log_path.open("wb") as out:
            self.popen = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.logdir, start_new_session=True
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> int:
        assert self.popen is not None
        pid = self.popen.pid
        self.up = False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self.popen.wait()
        return pid

    def stop(self, timeout: float = 10) -> None:
        self.up = False
        if not self.alive():
            return
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


async def wait_healthy(proc: Proc, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as client:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{proc.port}/healthz")).status_code == 200:
                    proc.up = True
                    return
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited during start-up:\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} did not answer /healthz in {timeout}s:\n{proc.tail()}")
            await asyncio.sleep(0.2)


# -- fake upstreams ----------------------------------------------------------------------------------
FAKES_SCRIPT = Path(__file__).resolve().with_name("fakes.py")


@dataclass
class Fakes:
    """The fake upstream servers (separate processes, see fakes.py) and how to reach them. Two SMM
    panels: ``smm_base`` gets the upstream chaos (partials, cancellations, faults); ``smm2_base`` backs the
    service whose orders customers cancel through /api/v2 (kept apart so that the two never race)."""

    smm_base: str | None = None
    smm2_base: str | None = None
    sms_base: str | None = None
    procs: list[Proc] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    provider_ids: dict[str, int] = field(default_factory=dict)  # base URL -> provider id

    def describe(self) -> str:
        have = [n for n, b in (("2 fake smm-v2", self.smm_base), ("fake sms-activate", self.sms_base)) if b]
        return ", ".join(have + [f"{m} (missing: built-in simulator instead)" for m in self.missing])

    def smm_snapshots(self) -> list[tuple[str, int, dict[str, Any]]]:
        return [
            (base, self.provider_ids[base], httpx.get(base + "/_control", timeout=30).json())
            for base in (self.smm_base, self.smm2_base)
            if base and base in self.provider_ids
        ]


SMS_PATH = "/stubs/handler_api.php"


def _module_exists(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


async def start_fakes(fakes: Fakes, env: dict[str, str], logdir: Path, settle: float, sms_ttl: float) -> None:
    for name, kind, module in (
        ("smm-v2", "smm-v2", "flashpanel.providers.fakes.smm_panel"),
        ("smm-v2-b", "smm-v2", "flashpanel.providers.fakes.smm_panel"),
        ("sms-activate", "sms-activate", "flashpanel.providers.fakes.sms_activate"),
    ):
        if not _module_exists(module):
            fakes.missing.append(f"fake {kind}")
            continue
        port = free_port()
        proc = Proc(
            f"fake-{name}",
            [
                sys.executable,
                str(FAKES_SCRIPT),
                kind,
                "--port",
                str(port),
                "--settle",
                str(settle),
                "--sms-ttl",
                str(sms_ttl),
            ],
            env,
            logdir,
            port,
        )
        fakes.procs.append(proc)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(base + "/_control")).status_code == 200:
                        break
                if not proc.alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"fake {kind} did not start:\n{proc.tail()}")
                await asyncio.sleep(0.1)
        if name == "smm-v2":
            fakes.smm_base = base
        elif name == "smm-v2-b":
            fakes.smm2_base = base
        else:
            fakes.sms_base = base


async def upstream_chaos(fakes: Fakes, rng: random.Random, end: float, obs: Observed, sms_delay: float) -> None:
    """What real upstreams do: some SMM orders go partial, some get cancelled; SMS arrive for about half
    of the numbers (the rest expire or are cancelled); and now and then an answer is a 500, an HTML page,
    an empty or a malformed body (the action not carried out)."""
    smm_touched: set[str] = set()
    sms_seen: dict[str, float] = {}  # activation -> when first seen
    sms_decided: set[str] = set()
    last_pass = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
            # The fake's hooks move an order whatever its state; only orders first seen by a prompt pass
            # are young enough (well inside --settle) not to have completed, and been seen completed by
            # the panel, before the hook lands.
            prompt = time.monotonic() - last_pass < 2.0
            last_pass = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                if fakes.smm_base:  # not smm2_base: its orders are the customers' to cancel
                    control = fakes.smm_base + "/_control"
                    snapshot = (await client.get(control)).json()
                    seen_at = time.monotonic()
                    for order_id, st in snapshot["orders"].items():
                        if order_id in smm_touched or st["status"] not in ("Pending", "In progress"):
                            continue
                        smm_touched.add(order_id)
                        if not prompt or time.monotonic() - seen_at > 1.0:
                            continue
                        roll = rng.random()
                        remains = int(st["remains"])
                        if roll < 0.08 and remains > 1:
                            await client.post(
                                control,
                                json={"op": "partial", "order": int(order_id), "remains": rng.randint(1, remains - 1)},
                            )
                            obs.upstream_moves["smm partial"] += 1
                        elif roll < 0.14:
                            await client.post(
                                control,
                                json={"op": "cancel_order", "order": int(order_id), "refunded": rng.random() < 0.5},
                            )
                            obs.upstream_moves["smm cancelled"] += 1
                    kind = rng.choice(["500", "html", "empty", "malformed"])
                    action = rng.choice(["add", "status"])
                    await client.post(
                        control, json={"op": "fail_next", "kind": kind, "action": action, "times": rng.randint(1, 3)}
                    )
                    obs.upstream_moves[f"smm fault {kind} on {action}"] += 1
                if fakes.sms_base:
                    control = fakes.sms_base + "/_control"
                    snapshot = (await client.get(control)).json()
                    for activation, state in snapshot["activations"].items():
                        first_seen = sms_seen.setdefault(activation, time.monotonic())
                        if time.monotonic() - first_seen < max(0.4, sms_delay):  # decide when a little older
                            continue
                        if activation in sms_decided or state != "wait":
                            continue
                        sms_decided.add(activation)
                        if rng.random() < 0.5:
                            code = f"{rng.randrange(10**6):06d}"
                            answer = (
                                await client.post(
                                    control, json={"op": "deliver_sms", "activation": activation, "code": code}
                                )
                            ).json()
                            if answer.get("ok"):
                                obs.sms_delivered[activation] = code
                                obs.upstream_moves["sms delivered"] += 1
                    if rng.random() < 0.3:
                        kind = rng.choice(["500", "html", "empty"])
                        action = rng.choice(["getNumberV2", "getNumber", "getStatus", "setStatus"])
                        await client.post(control, json={"op": "fail_next", "kind": kind, "action": action})
                        obs.upstream_moves[f"sms fault {kind} on {action}"] += 1


# -- seeding -----------------------------------------------------------------------------------------
@dataclass
class Customer:
    id: int
    name: str
    key: str
    otp_open: list[str] = field(default_factory=list)
    smm_orders: list[int] = field(default_factory=list)
    v2_orders: list[int] = field(default_factory=list)
    acc_orders: list[int] = field(default_factory=list)


@dataclass
class Catalog:
    smm_services: list[dict[str, Any]] = field(default_factory=list)  # id, min, max
    smm_cancellable: list[dict[str, Any]] = field(default_factory=list)  # ordered and cancelled via /api/v2
    otp_pairs: list[tuple[int, int]] = field(default_factory=list)  # (country id, service id)
    acc_products: list[dict[str, Any]] = field(default_factory=list)  # id, min, max, stock


def seed(
    database_url: str, secret_key_file: Path, n_customers: int, rng: random.Random, fakes: Fakes
) -> tuple[list[Customer], Catalog]:
    from flashpanel.crypto import open_secret_box
    from flashpanel.customers import service as customers_service
    from flashpanel.db.runner import Conn, now, open_database
    from flashpanel.providers.sale import simulator_id

    box = open_secret_box(secret_key_file)
    db = open_database(database_url, pool_size=1)
    try:
        customers: list[Customer] = []
        for i in range(n_customers):
            # Most customers can afford a good number of orders; a fifth run dry quickly, so that
            # "Insufficient balance" races with concurrent debits and top-ups.
            balance = Decimal(rng.choice([40, 75, 120])) if i % 5 == 0 else Decimal(rng.randint(800, 3000))
            balance += Decimal(rng.randint(0, 99)) / 100
            name = f"scale-{i:04d}"
            key = db.write_sync(customers_service.create_customer, name=name, initial_balance=balance)
            cid = db.read_sync(customers_service.customer_id_by_name, name=name)
            customers.append(Customer(cid, name, key))

        def catalog(conn: Conn) -> Catalog:
            cat = Catalog()
            t = now()

            def provider(name: str, kind: str, base: str | None, path: str, key: str) -> int:
                if base is None:
                    return simulator_id(conn)
                pid = int(
                    conn.scalar(
                        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (name, kind, base + path, box.encrypt(key), "NGN", "1", True, t),
                    )
                )
                fakes.provider_ids[base] = pid
                return pid

            smm_provider = provider("fake-smm", "smm-v2", fakes.smm_base, "/api/v2", SMM_KEY)
            smm2_provider = provider("fake-smm-b", "smm-v2", fakes.smm2_base, "/api/v2", SMM_KEY)
            sms_provider = provider("fake-sms", "sms-activate", fakes.sms_base, SMS_PATH, SMS_KEY)
            # SMM: odd rates so that charges and partial refunds exercise rounding. The last service, on the
            # second fake panel, is the one customers may cancel (through /api/v2).
            for n, (rate, lo, hi, prov, up) in enumerate(
                [
                    (12345, 100, 5000, smm_provider, "1"),
                    (777, 50, 10000, smm_provider, "2"),
                    (250001, 10, 500, smm_provider, "3"),
                    (4321, 100, 3000, smm2_provider, "1"),
                ],
                start=1,
            ):
                cancellable = n == 4
                sid = conn.scalar(
                    "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, "
                    "description, active, provider_id, upstream_service, cost_rate, cancel, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        f"Scale service {n}",
                        "Scale",
                        "Default",
                        rate,
                        lo,
                        hi,
                        "",
                        True,
                        prov,
                        up,
                        str(Decimal(rate) / 200),
                        cancellable,
                        t,
                    ),
                )
                (cat.smm_cancellable if cancellable else cat.smm_services).append(
                    {"id": int(sid), "min": lo, "max": hi}
                )
            # OTP: two countries x two services.
            for code, cname in (("US", "United States"), ("GB", "United Kingdom")):
                country = conn.scalar(
                    "INSERT INTO otp_countries (name, code, active) VALUES (?, ?, ?) RETURNING id", (cname, code, True)
                )
                for scode, sname, price in (("wa", "WhatsApp", 351), ("tg", "Telegram", 1999)):
                    service = conn.scalar(
                        "INSERT INTO otp_services (country_id, name, code, price_cents, active) "
                        "VALUES (?, ?, ?, ?, ?) RETURNING id",
                        (country, sname, scode, price, True),
                    )
                    conn.execute(
                        "INSERT INTO otp_service_providers (otp_service_id, provider_id, upstream_service, "
                        "upstream_country, priority) VALUES (?, ?, ?, ?, ?)",
                        (service, sms_provider, scode, "12" if code == "US" else "16", 0),
                    )
                    cat.otp_pairs.append((int(country), int(service)))
            # Accounts: scarce stock, so that purchases race for the last items.
            category = conn.scalar(
                "INSERT INTO account_categories (name, icon) VALUES (?, ?) RETURNING id", ("Scale", "users")
            )
            for n, (price, stock) in enumerate([(777, 120), (2501, 80), (99, 200)], start=1):
                pid = conn.scalar(
                    "INSERT INTO account_products (category_id, name, price_cents, min_quantity, max_quantity, "
                    "description, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (category, f"Scale product {n}", price, 1, 3, "", True, t),
                )
                rows = []
                for k in range(stock):
                    secret = f"p{n}-user{k}@example.test:pw{k}"
                    rows.append((pid, box.encrypt(secret), box.fingerprint(secret), t))
                conn.executemany(
                    "INSERT INTO stock_items (product_id, secret_encrypted, fingerprint, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
                cat.acc_products.append({"id": int(pid), "min": 1, "max": 3, "stock": stock})
            return cat

        return customers, db.write_sync(catalog)
    finally:
        db.close()


# -- load ----------------------------------------------------------------------------------------------
@dataclass
class Observed:
    """What the load generator saw: counts, and every acknowledged order to check against the database."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    smm_acked: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # id -> (customer, charge)
    otp_acked: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # id -> (customer, charge, request)
    otp_cancel_acked: dict[str, int] = field(default_factory=dict)  # request id -> refund cents
    acc_acked: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # id -> (customer, charge, qty)
    delivered: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # credential -> orders
    server_errors: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # what a client saw that must never happen
    upstream_moves: Counter[str] = field(default_factory=Counter)
    sms_delivered: dict[str, str] = field(default_factory=dict)  # upstream activation id -> code
    topups: int = 0
    rate_probe: str = ""
    topups_failed: int = 0
    kills: list[str] = field(default_factory=list)


class Load:
    def __init__(
        self,
        apis: list[Proc],
        customers: list[Customer],
        catalog: Catalog,
        domains: set[str],
        rng: random.Random,
        observed: Observed,
    ) -> None:
        self.apis = apis
        self.customers = customers
        self.catalog = catalog
        self.rng = rng
        self.obs = observed
        self.kinds = [k for k, (_, d) in MIX.items() if d in domains or d == "wallet" or (d == "any" and domains)]
        self.weights = [MIX[k][0] for k in self.kinds]
        self.clients = {
            p.port: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{p.port}/api/v1", timeout=15, limits=httpx.Limits(max_connections=64)
            )
            for p in apis
        }
        self._rr = 0

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def _client(self) -> httpx.AsyncClient | None:
        for _ in range(len(self.apis)):
            self._rr = (self._rr + 1) % len(self.apis)
            proc = self.apis[self._rr]
            if proc.up:
                return self.clients[proc.port]
        return None

    async def run(self, duration: float, concurrency: int) -> None:
        end = time.monotonic() + duration
        await asyncio.gather(*(self._user(end) for _ in range(concurrency)))

    async def _user(self, end: float) -> None:
        while time.monotonic() < end:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            customer = self.rng.choice(self.customers)
            client = self._client()
            if client is None:
                await asyncio.sleep(0.05)
                continue
            try:
                outcome = await getattr(self, "_" + kind)(client, customer)
            except httpx.TimeoutException:
                outcome = "timeout"
            except httpx.TransportError:
                outcome = "conn_error"
            if outcome is None:
                continue
            self.obs.requests[(kind, outcome)] += 1

    async def _call(
        self, client: httpx.AsyncClient, method: str, path: str, customer: Customer, kind: str, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        response = await client.request(method, path, headers={"X-API-Key": customer.key}, **kw)
        try:
            body = response.json()
        except ValueError:
            body = {}
        # 503 is a documented answer (every number provider failing); any other 5xx is a server fault.
        if response.status_code >= 500 and response.status_code != 503:
            self.obs.server_errors.append(f"{kind} {method} {path} -> {response.status_code} {response.text[:200]}")
        return str(response.status_code), body

    async def _balance(self, client: httpx.AsyncClient, c: Customer) -> str:
        status, _ = await self._call(client, "GET", "/balance", c, "balance")
        return status

    async def _list(self, client: httpx.AsyncClient, c: Customer) -> str:
        path = self.rng.choice(["/smm/services", "/otp/countries", "/accounts/categories"])
        status, _ = await self._call(client, "GET", path, c, "list")
        return status

    async def _smm_order(self, client: httpx.AsyncClient, c: Customer) -> str:
        svc = self.rng.choice(self.catalog.smm_services)
        quantity = self.rng.randint(svc["min"], min(svc["max"], svc["min"] * 20))
        # A unique link per order, so the fake upstream's record of `add` calls names the order.
        link = f"https://social.example/scale/{c.id}/{uuid.uuid4().hex}"
        status, body = await self._call(
            client,
            "POST",
            "/smm/order",
            c,
            "smm_order",
            json={"service": svc["id"], "link": link, "quantity": quantity},
        )
        if status == "200":
            data = body["data"]
            self.obs.smm_acked[int(data["order_id"])] = (c.id, cents(data["charge"]))
            c.smm_orders.append(int(data["order_id"]))
        return status

    async def _smm_status(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.smm_orders:
            return None
        status, _ = await self._call(
            client, "GET", "/smm/status", c, "smm_status", params={"order": self.rng.choice(c.smm_orders)}
        )
        return status

    async def _smm_orders(self, client: httpx.AsyncClient, c: Customer) -> str:
        status, _ = await self._call(client, "GET", "/smm/orders", c, "smm_orders", params={"limit": 50})
        return status

    async def _otp_purchase(self, client: httpx.AsyncClient, c: Customer) -> str:
        country, service = self.rng.choice(self.catalog.otp_pairs)
        status, body = await self._call(
            client, "POST", "/otp/purchase", c, "otp_purchase", json={"country": country, "service": service}
        )
        if status == "200":
            data = body["data"]
            self.obs.otp_acked[int(data["order_id"])] = (c.id, cents(data["charge"]), str(data["request_id"]))
            c.otp_open.append(str(data["request_id"]))
        return status

    async def _otp_check(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        status, _ = await self._call(
            client, "GET", "/otp/check", c, "otp_check", params={"request_id": self.rng.choice(c.otp_open)}
        )
        return status

    async def _otp_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        request_id = c.otp_open.pop(self.rng.randrange(len(c.otp_open)))
        status, body = await self._call(client, "POST", "/otp/cancel", c, "otp_cancel", json={"request_id": request_id})
        if status == "200":
            if request_id in self.obs.otp_cancel_acked:
                self.obs.anomalies.append(f"otp cancel of {request_id} acknowledged twice")
            self.obs.otp_cancel_acked[request_id] = cents(body["data"]["refund_amount"])
        return status

    async def _acc_purchase(self, client: httpx.AsyncClient, c: Customer) -> str:
        product = self.rng.choice(self.catalog.acc_products)
        quantity = self.rng.randint(product["min"], product["max"])
        status, body = await self._call(
            client,
            "POST",
            "/accounts/purchase",
            c,
            "acc_purchase",
            json={"product": product["id"], "quantity": quantity},
        )
        if status == "200":
            data = body["data"]
            oid = int(data["order_id"])
            self.obs.acc_acked[oid] = (c.id, cents(data["charge"]), int(data["quantity"]))
            for item in data.get("accounts") or []:
                self.obs.delivered[json.dumps(item, sort_keys=True)].append(oid)
            c.acc_orders.append(oid)
        return status

    async def _v2(self, client: httpx.AsyncClient, c: Customer, kind: str, **form: Any) -> tuple[str, Any]:
        response = await client.post(str(client.base_url).replace("/api/v1", "/api/v2"), data={"key": c.key, **form})
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 and response.status_code != 503:
            self.obs.server_errors.append(f"{kind} -> {response.status_code} {response.text[:200]}")
        return str(response.status_code), body

    async def _v2_add(self, client: httpx.AsyncClient, c: Customer) -> str:
        if not self.catalog.smm_cancellable:
            return await self._balance(client, c)
        svc = self.catalog.smm_cancellable[0]
        quantity = self.rng.randint(svc["min"], min(svc["max"], svc["min"] * 20))
        link = f"https://social.example/scale-v2/{c.id}/{uuid.uuid4().hex}"
        status, body = await self._v2(
            client, c, "v2_add", action="add", service=str(svc["id"]), link=link, quantity=str(quantity)
        )
        if isinstance(body, dict) and "order" in body:
            self.obs.smm_acked[int(body["order"])] = (c.id, None)
            c.v2_orders.append(int(body["order"]))
            return f"{status} order"
        return f"{status} error"

    async def _v2_status(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        ids = (c.v2_orders + c.smm_orders)[-20:]
        if not ids:
            return None
        status, body = await self._v2(client, c, "v2_status", action="status", orders=",".join(map(str, ids)))
        return f"{status} {'ok' if isinstance(body, dict) and 'error' not in body else 'error'}"

    async def _v2_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.v2_orders:
            return None
        # Mostly the newest order (likely not yet handed to the provider), sometimes an older one.
        order_id = c.v2_orders[-1] if self.rng.random() < 0.6 else self.rng.choice(c.v2_orders)
        status, body = await self._v2(client, c, "v2_cancel", action="cancel", orders=str(order_id))
        try:
            outcome = body[0]["cancel"]
        except (KeyError, IndexError, TypeError):
            return f"{status} unreadable"
        return f"{status} {'accepted' if outcome == 1 else 'refused'}"

    def _live_clients(self) -> list[httpx.AsyncClient]:
        return [self.clients[p.port] for p in self.apis if p.up]

    async def _otp_double_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        request_id = c.otp_open.pop(self.rng.randrange(len(c.otp_open)))
        clients = self._live_clients()[:2] or [client]
        answers = await asyncio.gather(
            *(
                self._call(x, "POST", "/otp/cancel", c, "otp_double_cancel", json={"request_id": request_id})
                for x in (clients * 2)[:2]
            ),
            return_exceptions=True,
        )
        won = [a for a in answers if not isinstance(a, BaseException) and a[0] == "200"]
        if len(won) > 1:
            self.obs.anomalies.append(f"two concurrent cancels of otp {request_id} both answered 200")
        if won:
            self.obs.otp_cancel_acked[request_id] = cents(won[0][1]["data"]["refund_amount"])
        return "+".join(sorted(a[0] if not isinstance(a, BaseException) else "conn_error" for a in answers))

    async def _burst(self, client: httpx.AsyncClient, c: Customer) -> str:
        """Five purchases at once by one customer, spread over every live API process."""
        kinds = [k for k in ("smm_order", "otp_purchase", "acc_purchase", "v2_add") if k in self.kinds]
        if not kinds:
            return await self._balance(client, c)
        clients = self._live_clients() or [client]
        chosen = [self.rng.choice(kinds) for _ in range(5)]
        answers = await asyncio.gather(
            *(getattr(self, "_" + kind)(clients[i % len(clients)], c) for i, kind in enumerate(chosen)),
            return_exceptions=True,
        )
        for kind, answer in zip(chosen, answers, strict=True):  # counted under their own kind too
            self.obs.requests[(kind, answer if isinstance(answer, str) else "conn_error")] += 1
        return "5 sent"

    async def _acc_order(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.acc_orders:
            return None
        status, _ = await self._call(
            client, "GET", "/accounts/order", c, "acc_order", params={"order": self.rng.choice(c.acc_orders)}
        )
        return status


RATE_PROBE_LIMIT = 40


async def rate_probe(apis: list[Proc], customer: Customer, obs: Observed) -> None:
    """Redis-shared rate limits: one key's requests spread over every API process at once get exactly the
    configured budget between them, not that budget per process."""
    sent = RATE_PROBE_LIMIT + 20
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(
            *(
                client.get(
                    f"http://127.0.0.1:{apis[i % len(apis)].port}/api/v1/balance", headers={"X-API-Key": customer.key}
                )
                for i in range(sent)
            )
        )
    statuses = Counter(r.status_code for r in answers)
    obs.rate_probe = f"{sent} concurrent /balance with one key over {len(apis)} API port(s): {dict(statuses)}"
    if statuses[200] != RATE_PROBE_LIMIT or statuses[429] != sent - RATE_PROBE_LIMIT:
        obs.anomalies.append(f"shared rate limit of {RATE_PROBE_LIMIT}/minute not exact: {dict(statuses)}")


async def topups(database_url: str, customers: list[Customer], rng: random.Random, end: float, obs: Observed) -> None:
    """Operator top-ups landing in the ledger while customers spend (as `flashpanel users topup` does)."""
    from flashpanel.customers import service as customers_service
    from flashpanel.db.runner import open_database

    db = open_database(database_url, pool_size=1)
    try:
        while time.monotonic() < end:
            c = rng.choice(customers)
            try:
                await db.write(customers_service.top_up, name=c.name, amount=Decimal("25.55"), note="scale top-up")
                obs.topups += 1
            except psycopg.OperationalError:  # --db-restart: this handle's connection is gone; open another
                obs.topups_failed += 1
                db.close()
                db = open_database(database_url, pool_size=1)
            await asyncio.sleep(0.2)
    finally:
        db.close()


def spawned_children(pid: int) -> list[int]:
    """The uvicorn worker processes of a ``serve --workers N`` supervisor (not multiprocessing's helpers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    found.append(int(child))
    return found


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
        log(f"t={time.monotonic() - start:.2f}s {victim.name} restarted (pid {victim.popen.pid})")  # type: ignore[union-attr]
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
        killed = conn.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]  # type: ignore[index]
    message = f"t={time.monotonic() - start:.2f}s terminated {killed} PostgreSQL connection(s) (as a restart would)"
    obs.kills.append(message)
    log(message)


# -- database checks -------------------------------------------------------------------------------------
def table_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    return bool(conn.execute("SELECT to_regclass(%s) IS NOT NULL AS x", (name,)).fetchone()["x"])  # type: ignore[index]


def non_terminal(conn: psycopg.Connection[Any]) -> dict[str, int]:
    smm = conn.execute(
        "SELECT count(*) AS n FROM smm_orders WHERE status NOT IN ('completed', 'partial', 'cancelled')"
    ).fetchone()["n"]  # type: ignore[index]
    otp = conn.execute(
        "SELECT count(*) AS n FROM otp_orders WHERE status NOT IN ('completed', 'cancelled', 'expired', 'failed')"
    ).fetchone()["n"]  # type: ignore[index]
    acc = conn.execute("SELECT count(*) AS n FROM account_orders WHERE status <> 'completed'").fetchone()["n"]  # type: ignore[index]
    return {"smm": int(smm), "otp": int(otp), "accounts": int(acc)}


def check_metrics(conn: psycopg.Connection[Any], text: str, facts: dict[str, Any]) -> list[str]:
    """The metrics of a `serve --workers N` supervisor count the charges of all N processes, the ones
    killed and replaced included. Charges are written only by API processes, and counted just before their
    commit (a rolled-back unit over-counts), so the figure is at least the number of charge rows."""
    prefix = 'flashpanel_ledger_entries_total{kind="charge"} '
    counted = next((float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix)), 0.0)
    charged = int(conn.execute("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'").fetchone()["n"])  # type: ignore[index]
    facts["charges: in the ledger / counted by the API processes' metrics"] = f"{charged} / {counted:.0f}"
    if counted < charged:
        return [f"the API processes' metrics count {counted:.0f} charges, the ledger holds {charged}"]
    return []


def verify(
    conn: psycopg.Connection[Any], obs: Observed, fakes: Fakes, secret_key_file: Path
) -> tuple[list[str], dict[str, Any]]:
    violations: list[str] = []
    facts: dict[str, Any] = {}

    def bad(what: str, rows: list[Any], limit: int = 5) -> None:
        if rows:
            violations.append(f"{what}: {len(rows)} case(s), e.g. {rows[:limit]}")

    def q(sql: str, *params: Any) -> list[Any]:
        return conn.execute(sql, params or None).fetchall()

    # Money: every balance equals its ledger sum and is >= 0; each ledger row's balance_after chains.
    bad(
        "balance != ledger sum, or negative",
        q(
            "SELECT c.id, c.balance_cents, COALESCE(SUM(l.amount_cents), 0) AS ledger FROM customers c "
            "LEFT JOIN ledger_entries l ON l.customer_id = c.id GROUP BY c.id, c.balance_cents "
            "HAVING c.balance_cents <> COALESCE(SUM(l.amount_cents), 0) OR c.balance_cents < 0"
        ),
    )
    bad(
        "ledger balance_after does not chain",
        q(
            "SELECT id, customer_id, balance_after_cents, running FROM (SELECT id, customer_id, balance_after_cents, "
            "SUM(amount_cents) OVER (PARTITION BY customer_id ORDER BY id) AS running FROM ledger_entries) t "
            "WHERE balance_after_cents <> running OR balance_after_cents < 0"
        ),
    )
    totals = {
        r["kind"]: (int(r["s"]), int(r["n"]))
        for r in q("SELECT kind, SUM(amount_cents) AS s, COUNT(*) AS n FROM ledger_entries GROUP BY kind")
    }
    balances = int(q("SELECT COALESCE(SUM(balance_cents), 0) AS s FROM customers")[0]["s"])
    topped = totals.get("topup", (0, 0))[0] + totals.get("adjustment", (0, 0))[0]
    charged = -totals.get("charge", (0, 0))[0]
    refunded = totals.get("refund", (0, 0))[0]
    facts["money"] = {
        "topups": topped,
        "charges": charged,
        "refunds": refunded,
        "balances": balances,
        "ledger rows": {k: n for k, (_, n) in totals.items()},
    }
    facts["refunds"] = {
        r["order_kind"]: {"rows": int(r["n"]), "cents": int(r["s"])}
        for r in q(
            "SELECT order_kind, COUNT(*) AS n, SUM(amount_cents) AS s FROM ledger_entries WHERE kind = 'refund' "
            "GROUP BY order_kind ORDER BY order_kind"
        )
    }
    if topped != charged - refunded + balances:
        violations.append(f"money in {topped} != charges {charged} - refunds {refunded} + balances {balances}")
    bad(
        "charge/refund ledger row without an order kind/id",
        q(
            "SELECT id, kind FROM ledger_entries WHERE kind IN ('charge', 'refund') "
            "AND (order_kind IS NULL OR order_id IS NULL)"
        ),
    )
    bad(
        "more than one charge or refund per order",
        q(
            "SELECT order_kind, order_id, kind, COUNT(*) FROM ledger_entries WHERE kind IN ('charge', 'refund') "
            "GROUP BY order_kind, order_id, kind HAVING COUNT(*) > 1"
        ),
    )
    bad(
        "charge with a non-negative amount / refund with a non-positive amount",
        q(
            "SELECT id, kind, amount_cents FROM ledger_entries WHERE (kind = 'charge' AND amount_cents >= 0) "
            "OR (kind = 'refund' AND amount_cents <= 0)"
        ),
    )

    for kind, table in (("smm", "smm_orders"), ("otp", "otp_orders"), ("accounts", "account_orders")):
        if not table_exists(conn, table):
            continue
        orders = int(q(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
        facts.setdefault("orders", {})[kind] = orders
        bad(
            f"{kind}: ledger charge/refund for a missing order or another customer",
            q(
                f"SELECT l.id, l.kind, l.order_id FROM ledger_entries l WHERE l.order_kind = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {table} o WHERE o.id = l.order_id AND o.customer_id = l.customer_id)",
                kind,
            ),
        )
        bad(
            f"{kind}: order without exactly one charge equal to its charge_cents",
            q(
                f"SELECT o.id, o.charge_cents, COUNT(l.id) AS charges, SUM(-l.amount_cents) AS charged FROM {table} o "
                f"LEFT JOIN ledger_entries l ON l.order_kind = %s AND l.order_id = o.id AND l.kind = 'charge' "
                f"GROUP BY o.id, o.charge_cents HAVING COUNT(l.id) <> 1 OR SUM(-l.amount_cents) <> o.charge_cents",
                kind,
            ),
        )
        bad(
            f"{kind}: refund larger than the charge",
            q(
                f"SELECT o.id, o.charge_cents, l.amount_cents FROM {table} o JOIN ledger_entries l "
                f"ON l.order_kind = %s AND l.order_id = o.id AND l.kind = 'refund' "
                f"WHERE l.amount_cents > o.charge_cents",
                kind,
            ),
        )

    if table_exists(conn, "smm_orders"):
        from flashpanel.smm.lifecycle import refund_for

        rows = q(
            "SELECT o.id, o.status, o.quantity, o.remains, o.charge_cents, o.refunded_cents, "
            "o.upstream_order_id, o.provider_id, COALESCE(l.amount_cents, 0) AS ledger_refund FROM smm_orders o "
            "LEFT JOIN ledger_entries l ON l.order_kind = 'smm' AND l.order_id = o.id AND l.kind = 'refund'"
        )
        facts["smm statuses"] = dict(Counter(r["status"] for r in rows))
        wrong: list[tuple[Any, ...]] = []
        for r in rows:
            if int(r["ledger_refund"]) != int(r["refunded_cents"]):
                wrong.append(
                    (r["id"], r["status"], "ledger refund", r["ledger_refund"], "refunded_cents", r["refunded_cents"])
                )
            elif r["status"] in SMM_TERMINAL:
                expected = refund_for(
                    status=r["status"],
                    charge_cents=int(r["charge_cents"]),
                    quantity=int(r["quantity"]),
                    remains=int(r["remains"]),
                )
                if int(r["refunded_cents"]) != expected:
                    wrong.append((r["id"], r["status"], "refunded", r["refunded_cents"], "expected", expected))
            elif int(r["refunded_cents"]) != 0:
                wrong.append((r["id"], r["status"], "refund before a terminal status", r["refunded_cents"]))
        bad("smm: refund does not match the order's outcome", wrong)
        facts["smm submissions resolved as interrupted (outcome unknown)"] = int(
            q("SELECT COUNT(*) AS n FROM smm_orders WHERE status = 'cancelled' AND last_error LIKE %s", "%unknown%")[0][
                "n"
            ]
        )
        bad(
            "smm: two orders with the same upstream order id",
            q(
                "SELECT provider_id, upstream_order_id, COUNT(*) FROM smm_orders WHERE upstream_order_id IS NOT NULL "
                "GROUP BY provider_id, upstream_order_id HAVING COUNT(*) > 1"
            ),
        )
        bad(
            "smm: in progress or done without an upstream order id",
            q(
                "SELECT id, status FROM smm_orders WHERE provider_id IS NOT NULL AND upstream_order_id IS NULL "
                "AND status IN ('processing', 'in_progress', 'completed', 'partial')"
            ),
        )
        snapshots = fakes.smm_snapshots()
        interrupted: list[tuple[Any, ...]] = []
        for n, (_base, provider_id, snapshot) in enumerate(snapshots, start=1):
            adds_by_link: dict[str, int] = snapshot.get("add_calls", {})
            upstream_orders: dict[str, dict[str, Any]] = snapshot.get("orders", {})
            facts[f"fake smm upstream {n}"] = {
                "add requests": snapshot.get("actions", {}).get("add", 0),
                "cancel requests": snapshot.get("actions", {}).get("cancel", 0),
                "orders created": len(upstream_orders),
                "final statuses": dict(Counter(o["status"] for o in upstream_orders.values())),
            }
            what = f"smm (upstream {n})"
            bad(
                f"{what}: order submitted upstream more than once (the fake's add count per link)",
                sorted((count, link) for link, count in adds_by_link.items() if count > 1),
            )
            local = {
                r["link"]: r
                for r in q(
                    "SELECT id, link, status, remains, upstream_order_id, last_error FROM smm_orders "
                    "WHERE provider_id = %s",
                    provider_id,
                )
            }
            bad(
                f"{what}: the upstream holds an order no local order knows",
                [link for link in adds_by_link if link not in local],
            )
            bad(
                f"{what}: local order has an upstream id the upstream never issued",
                [
                    (r["id"], r["upstream_order_id"])
                    for r in local.values()
                    if r["upstream_order_id"] is not None and r["upstream_order_id"] not in upstream_orders
                ],
            )
            bad(
                f"{what}: cancelled by the customer before submission, yet submitted",
                [
                    (r["id"], r["status"])
                    for link, r in local.items()
                    if link in adds_by_link and "canceled by the customer" in (r["last_error"] or "")
                ],
            )
            # A submission interrupted by a kill, then resolved as "outcome unknown" (cancelled, refunded in
            # full), is the documented cost of a crash mid-submission when the upstream did take the order.
            lost_answer = [
                (r["id"], r["status"], r["last_error"])
                for link, r in local.items()
                if link in adds_by_link and r["upstream_order_id"] is None
            ]
            resolved = [c for c in lost_answer if c[1] == "cancelled" and "unknown" in (c[2] or "")]
            interrupted += resolved
            bad(
                f"{what}: upstream accepted the order but the panel has no upstream id for it",
                [c for c in lost_answer if c not in resolved],
            )
            expected_local = {
                "Completed": "completed",
                "Partial": "partial",
                "Canceled": "cancelled",
                "Refunded": "cancelled",
            }
            disagree = []
            for r in local.values():
                up = upstream_orders.get(str(r["upstream_order_id"]))
                if up is None or r["status"] not in SMM_TERMINAL:
                    continue
                want = expected_local.get(up["status"])
                if want != r["status"] or (want == "partial" and int(up["remains"]) != int(r["remains"])):
                    case = (r["id"], r["status"], r["remains"], up["status"], up["remains"], r["last_error"])
                    if r["status"] == "cancelled" and any(
                        words in (r["last_error"] or "") for words in ("unknown", "after it was resolved")
                    ):
                        interrupted.append(case)  # resolved as interrupted; its answer came too late
                    else:
                        disagree.append(case)
            bad(f"{what}: final status differs from the upstream's", disagree)
        if snapshots:
            facts["smm resolved as interrupted though the upstream took them"] = len(interrupted)
        else:
            facts["fake smm upstream"] = "none (" + fakes.describe() + ")"

    if table_exists(conn, "otp_orders"):
        rows = q(
            "SELECT o.id, o.status, o.charge_cents, COALESCE(l.amount_cents, 0) AS refund, COUNT(l.id) AS n "
            "FROM otp_orders o LEFT JOIN ledger_entries l ON l.order_kind = 'otp' AND l.order_id = o.id "
            "AND l.kind = 'refund' GROUP BY o.id, o.status, o.charge_cents, l.amount_cents"
        )
        facts["otp statuses"] = dict(Counter(r["status"] for r in rows))
        bad(
            "otp: refund does not match the status (cancelled/expired/failed refund the whole charge once)",
            [
                (r["id"], r["status"], r["charge_cents"], r["refund"])
                for r in rows
                if (r["status"] in OTP_REFUNDED and (int(r["n"]) != 1 or int(r["refund"]) != int(r["charge_cents"])))
                or (r["status"] not in OTP_REFUNDED and int(r["n"]) != 0)
            ],
        )
        facts["otp purchases resolved as interrupted"] = int(
            q(
                "SELECT COUNT(*) AS n FROM otp_orders WHERE status = 'failed' AND last_error LIKE %s",
                "purchase interrupted%",
            )[0]["n"]
        )
        bad(
            "otp: two orders holding the same upstream activation",
            q(
                "SELECT provider_id, upstream_activation_id, COUNT(*) FROM otp_orders "
                "WHERE upstream_activation_id IS NOT NULL GROUP BY provider_id, upstream_activation_id "
                "HAVING COUNT(*) > 1"
            ),
        )

        if fakes.sms_base:
            activations: dict[str, str] = httpx.get(fakes.sms_base + "/_control", timeout=30).json()["activations"]
            local_otp = {
                str(r["upstream_activation_id"]): r
                for r in q(
                    "SELECT id, status, sms_code, upstream_activation_id FROM otp_orders "
                    "WHERE upstream_activation_id IS NOT NULL AND provider_id IS NOT NULL"
                )
            }
            bad(
                "otp: completed with a code the upstream never sent for that number",
                [
                    (r["id"], r["sms_code"], obs.sms_delivered.get(aid))
                    for aid, r in local_otp.items()
                    if r["status"] == "completed" and r["sms_code"] != obs.sms_delivered.get(aid)
                ],
            )
            facts["fake sms-activate upstream"] = {
                "activations": len(activations),
                "states": dict(Counter(activations.values())),
                "held by no local order": sum(1 for a in activations if a not in local_otp),
                "SMS delivered but the order refunded": sum(
                    1 for aid, r in local_otp.items() if aid in obs.sms_delivered and r["status"] in OTP_REFUNDED
                ),
            }

    if table_exists(conn, "account_orders"):
        facts["accounts statuses"] = dict(Counter(r["status"] for r in q("SELECT status FROM account_orders")))
        bad(
            "accounts: order's delivered item count != its quantity, or items of another product",
            q(
                "SELECT o.id, o.quantity, COUNT(s.id) AS items FROM account_orders o LEFT JOIN stock_items s "
                "ON s.order_id = o.id WHERE o.status = 'completed' GROUP BY o.id, o.quantity "
                "HAVING COUNT(s.id) <> o.quantity OR bool_or(s.product_id <> o.product_id)"
            ),
        )
        bad(
            "accounts: charge != unit price x quantity",
            q(
                "SELECT id, unit_price_cents, quantity, charge_cents FROM account_orders "
                "WHERE charge_cents <> unit_price_cents * quantity"
            ),
        )
        bad(
            "accounts: sold_at and order_id disagree",
            q("SELECT id FROM stock_items WHERE (order_id IS NULL) <> (sold_at IS NULL)"),
        )
        stock = q("SELECT COUNT(*) AS total, COUNT(order_id) AS sold FROM stock_items")[0]
        facts["stock"] = {"items": int(stock["total"]), "sold": int(stock["sold"])}

    # What the clients were told must be what the database holds.
    def acked(what: str, table: str, got: dict[int, Any], check: Callable[[dict[str, Any], Any], bool]) -> None:
        if not got:
            return
        found = {int(r["id"]): r for r in q(f"SELECT * FROM {table} WHERE id = ANY(%s)", list(got))}
        bad(
            f"{what}: acknowledged to the client but missing or different in the database",
            [(oid, v) for oid, v in got.items() if oid not in found or not check(found[oid], v)],
        )

    acked(
        "smm",
        "smm_orders",
        obs.smm_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and v[1] in (None, int(r["charge_cents"])),
    )
    acked(
        "otp",
        "otp_orders",
        obs.otp_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and int(r["charge_cents"]) == v[1] and r["request_id"] == v[2],
    )
    acked(
        "accounts",
        "account_orders",
        obs.acc_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and int(r["charge_cents"]) == v[1] and int(r["quantity"]) == v[2],
    )
    if obs.otp_cancel_acked:
        cancelled = {
            r["request_id"]: r
            for r in q(
                "SELECT o.request_id, o.status, COALESCE(l.amount_cents, 0) AS refund FROM otp_orders o "
                "LEFT JOIN ledger_entries l ON l.order_kind = 'otp' AND l.order_id = o.id AND l.kind = 'refund' "
                "WHERE o.request_id = ANY(%s)",
                list(obs.otp_cancel_acked),
            )
        }
        bad(
            "otp: cancel acknowledged but the order is not cancelled with that refund",
            [
                (rid, amount)
                for rid, amount in obs.otp_cancel_acked.items()
                if rid not in cancelled
                or cancelled[rid]["status"] != "cancelled"
                or int(cancelled[rid]["refund"]) != amount
            ],
        )
    if obs.acc_acked:
        from flashpanel.crypto import open_secret_box

        box = open_secret_box(secret_key_file)
        held: dict[int, list[str]] = defaultdict(list)
        for r in q("SELECT order_id, secret_encrypted FROM stock_items WHERE order_id = ANY(%s)", list(obs.acc_acked)):
            held[int(r["order_id"])].append(box.decrypt(r["secret_encrypted"]))
        sent: dict[int, list[str]] = defaultdict(list)
        for credential, order_ids in obs.delivered.items():
            item = json.loads(credential)
            line = f"{item['email']}:{item['password']}" if isinstance(item, dict) else str(item)
            for order_id in order_ids:
                sent[order_id].append(line)
        bad(
            "accounts: the credentials a customer received are not the items the database sold to that order",
            [
                (oid, sorted(sent[oid]), sorted(held[oid]))
                for oid in obs.acc_acked
                if sorted(sent[oid]) != sorted(held[oid])
            ],
        )
    bad(
        "accounts: the same credential delivered in more than one order (client side)",
        [(cred, oids) for cred, oids in obs.delivered.items() if len(set(oids)) > 1],
    )
    return violations, facts


# -- main ----------------------------------------------------------------------------------------------------
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


async def run(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    seed_value = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    rng = random.Random(seed_value)
    mode = "crash" if args.crash else "normal"
    log(
        f"mode={mode} seed={seed_value} duration={args.duration}s customers={args.customers} api={args.api} "
        f"workers={args.workers} concurrency={args.concurrency} db={database_url.rsplit('/', 1)[1]}"
    )
    t0 = time.monotonic()
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
    }
    redis.Redis.from_url(args.redis_url).flushdb()
    from flashpanel.db.migrate import upgrade

    upgrade(database_url)
    fakes = Fakes()
    procs = fakes.procs  # every child process, stopped at the end whatever happens
    grace = args.grace if args.grace is not None else (20.0 if args.crash else 0.0)
    if grace > 0:
        # Recovery after kill -9 waits out grace periods that are module constants (300 s): site/sitecustomize.py
        # shortens them in every process started with this environment (see there).
        env["FLASHPANEL_SCALE_GRACE_SECONDS"] = str(grace)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), os.environ.get("PYTHONPATH", "")) if p)
    # `serve --workers N` serves the N processes' metrics together on its own listener (multiprocess mode).
    metrics_port = free_port() if args.layout == "multi" else None
    workers_flag = ["--workers", str(args.api), "--metrics-port", str(metrics_port)] if metrics_port else []
    api_cmd = [str(FLASHPANEL), "serve", "--no-worker", "--no-access-log", *workers_flag, "--port"]
    worker_cmd = [str(FLASHPANEL), "worker"]
    env["FLASHPANEL_RUN_WORKER"] = "false"
    apis = [
        Proc(f"api-{i}", [*api_cmd, str(port)], env, workdir, port)
        for i, port in enumerate(free_port() for _ in range(1 if args.layout == "multi" else args.api))
    ]
    workers = [Proc(f"worker-{i}", worker_cmd, env, workdir) for i in range(args.workers)]
    obs = Observed()
    try:
        await start_fakes(fakes, env, workdir, args.settle, args.otp_ttl)
        customers, catalog = seed(database_url, workdir / "secret.key", args.customers, rng, fakes)
        for p in apis + workers:
            procs.append(p)
            p.start()
        await asyncio.gather(*(wait_healthy(p) for p in apis))
        async with httpx.AsyncClient() as client:
            paths = set((await client.get(f"http://127.0.0.1:{apis[0].port}/docs/openapi.json")).json()["paths"])
        domains = {
            d
            for d, needed in {
                "smm": ("/api/v1/smm/order", "/api/v1/smm/status"),
                "otp": ("/api/v1/otp/purchase", "/api/v1/otp/cancel", "/api/v1/otp/check"),
                "accounts": ("/api/v1/accounts/purchase", "/api/v1/accounts/order"),
                "v2": ("/api/v2",),
            }.items()
            if all(p in paths for p in needed)
        }
        log(
            f"set-up took {time.monotonic() - t0:.1f}s; endpoints served for: wallet, {', '.join(sorted(domains))}"
            f"; upstreams: {fakes.describe()}"
        )
        await rate_probe(apis, customers[0], obs)
        load = Load(apis, customers[1:], catalog, domains, rng, obs)
        start = time.monotonic()
        tasks = [
            load.run(args.duration, args.concurrency),
            topups(database_url, customers, random.Random(seed_value + 1), start + args.duration, obs),
        ]
        tasks.append(upstream_chaos(fakes, random.Random(seed_value + 3), start + args.duration, obs, args.sms_delay))
        if args.db_restart:
            tasks.append(drop_db_connections(database_url, random.Random(seed_value + 4), start, args.duration, obs))
        if args.crash:
            crash_rng = random.Random(seed_value + 2)
            tasks.append(chaos(args.layout, apis, workers, fakes, crash_rng, start, args.duration, args.kills, obs))
        await asyncio.gather(*tasks)
        await load.close()
        load_seconds = time.monotonic() - start
        for p in procs:  # nothing may stay dead
            if not p.alive():
                log(
                    f"{p.name} is not running after the load (exit {p.popen.returncode if p.popen else None}); "
                    "restarting it"
                )
                p.start()
        # Let the workers catch up.
        catch_start = time.monotonic()
        with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
            while True:
                pending = non_terminal(conn)
                if not any(pending.values()) or time.monotonic() - catch_start > args.catchup:
                    break
                await asyncio.sleep(1)
            catchup_seconds = time.monotonic() - catch_start
            metrics_text = None
            if metrics_port is not None:  # read before the supervisor exits and removes its processes' figures
                async with httpx.AsyncClient() as client:
                    metrics_text = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)).text
            for p in workers + apis:  # stop the writers before reading the books
                p.stop()
            violations, facts = verify(conn, obs, fakes, workdir / "secret.key")
            if metrics_text is not None:
                violations += check_metrics(conn, metrics_text, facts)
            limbo = non_terminal(conn)
            if any(limbo.values()):
                detail = conn.execute(
                    "SELECT 'smm' AS kind, id, status, attempts, submitting_at IS NOT NULL AS claimed, last_error "
                    "FROM smm_orders WHERE status NOT IN ('completed', 'partial', 'cancelled') LIMIT 5"
                ).fetchall()
                detail += conn.execute(
                    "SELECT 'otp' AS kind, id, status, last_error FROM otp_orders "
                    "WHERE status NOT IN ('completed', 'cancelled', 'expired', 'failed') LIMIT 5"
                ).fetchall()
                violations.append(
                    f"orders left in a non-terminal state {catchup_seconds:.0f}s after the load: {limbo}, e.g. {detail}"
                )
        total = sum(obs.requests.values())
        print()
        print(f"=== scale invariants ({mode}, seed {seed_value}) ===")
        print(
            f"load: {load_seconds:.1f}s, {total} requests ({total / load_seconds:.0f}/s) over {args.api} API "
            f"processes, {args.workers} workers; catch-up {catchup_seconds:.1f}s; "
            f"domains loaded: wallet{''.join(', ' + d for d in sorted(domains))}"
        )
        by_kind: dict[str, Counter[str]] = defaultdict(Counter)
        for (kind, outcome), n in obs.requests.items():
            by_kind[kind][outcome] = n
        for kind in MIX:
            if kind in by_kind:
                outcomes = ", ".join(f"{o}: {n}" for o, n in sorted(by_kind[kind].items()))
                print(f"  {kind:<18} {sum(by_kind[kind].values()):>6}  ({outcomes})")
        print(f"rate limit probe: {obs.rate_probe}")
        print(f"  operator top-ups {obs.topups}" + (f" (+{obs.topups_failed} failed)" if obs.topups_failed else ""))
        if obs.upstream_moves:
            print(f"upstream events: {dict(sorted(obs.upstream_moves.items()))}")
        print(
            f"orders acknowledged: smm {len(obs.smm_acked)}, otp {len(obs.otp_acked)}, "
            f"accounts {len(obs.acc_acked)}; otp cancels acknowledged {len(obs.otp_cancel_acked)}"
        )
        for key, value in facts.items():
            print(f"{key}: {value}")
        print(f"kills: {len(obs.kills)}")
        for k in obs.kills:
            print(f"  {k}")
        if obs.anomalies:
            violations.append(f"{len(obs.anomalies)} client-visible anomalies, e.g. {obs.anomalies[:3]}")
        if obs.server_errors:
            violations.append(f"{len(obs.server_errors)} server error(s) (5xx), e.g. {obs.server_errors[:3]}")
        if violations:
            print(f"\nFAILED: {len(violations)} invariant violation(s):")
            for v in violations:
                print(f"  - {v}")
            print(f"(logs in {workdir})")
            return 1
        print("\nall invariants hold")
        return 0
    finally:
        for p in procs:
            p.stop(timeout=5)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
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
