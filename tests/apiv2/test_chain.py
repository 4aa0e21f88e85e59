"""Chains of panels: a child flashpanel whose provider (kind ``smm-v2``) is a parent flashpanel's
``/api/v2``, served over real HTTP on 127.0.0.1. Orders, refills and cancels travel child -> parent,
the parent's upstream (the built-in simulator) fulfils, and statuses and money flow back."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from litestar import Litestar

from flashpanel.app import start, stop
from flashpanel.config import Settings
from flashpanel.customers import service as customers
from flashpanel.db.migrate import upgrade
from flashpanel.db.runner import Conn, now, postgres_dsn
from flashpanel.providers.fakes.server import running_fake
from flashpanel.providers.fakes.smm_panel import FakeSmmPanel
from flashpanel.smm.forwarding import forward_cancels, forward_refills, sync_refills
from flashpanel.smm.worker import STATUS_SYNC, SUBMISSION
from flashpanel.state import AppState
from tests.apiv2.conftest import _insert_service, build_v2_app, state
from tests.apiv2.helpers import balance_cents, call, make_due, order_row
from tests.conftest import POSTGRES_URL, _truncate_postgres

LINK = "https://example.com/post"


@dataclass
class Parent:
    base_url: str
    app: Litestar

    @property
    def state(self) -> AppState:
        return state(self.app)


@pytest.fixture(scope="session")
def parent_template(migrated_template: str) -> Iterator[str]:
    """The parent's database: the migrated SQLite template (copied per test), or on PostgreSQL a sibling
    database ``<scratch>_parent``, created and migrated once per session and dropped at its end."""
    if not POSTGRES_URL:
        yield migrated_template
        return
    import psycopg

    base, _, name = POSTGRES_URL.rpartition("/")
    parent_name = f"{name}_parent"
    admin = postgres_dsn(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parent_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parent_name}"')
    url = f"{base}/{parent_name}"
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parent_name}" WITH (FORCE)')


def _parent_database(template: str, tmp_path: Path) -> str:
    if not POSTGRES_URL:
        target = tmp_path / "parent.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    _truncate_postgres(template)
    return template


@pytest.fixture
async def parent(parent_template: str, tmp_path: Path) -> AsyncIterator[Parent]:
    """A second flashpanel, started and served by uvicorn in a thread on a free port."""
    settings = Settings(
        database_url=_parent_database(parent_template, tmp_path),
        redis_url=None,
        secret_key_file=tmp_path / "parent-secret.key",
        demo_key_file=tmp_path / "parent-demo.key",
        run_worker=False,
        simulators=True,  # the parent sells through its built-in simulator...
        simulator_smm_seconds=0,  # ...which finishes an order at its first status check
        rate_limit_orders="1000/minute",
        rate_limit_status="1000/minute",
    )
    app = build_v2_app(settings)
    start(app, settings, run_worker=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="parent-panel", daemon=True)
    thread.start()
    try:
        async with asyncio.timeout(10):
            while not server.started:
                assert thread.is_alive(), "the parent panel did not start"
                await asyncio.sleep(0.005)
        yield Parent(base_url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        sock.close()
        await stop(app)


def _add_provider(conn: Conn, *, url: str, api_key_encrypted: str) -> int:
    row = conn.one(
        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
        "VALUES ('parent panel', 'smm-v2', ?, ?, 'NGN', '1', ?, ?) RETURNING id",
        (url, api_key_encrypted, True, now()),
    )
    assert row is not None
    return int(row["id"])


@dataclass
class Chain:
    parent: Parent
    child: AppState
    parent_key: str  # the child panel's own key on the parent
    child_service: int


@pytest.fixture
async def chain(v2: httpx.AsyncClient, v2_app: Litestar, parent: Parent) -> Chain:
    """The child (the ``v2`` app) buys from the parent with its own key; one service on each side,
    both allowing refill and cancel."""
    parent_db = parent.state.db
    parent_key = parent_db.write_sync(customers.create_customer, name="child-panel", initial_balance=Decimal(50))
    parent_service = parent_db.write_sync(
        _insert_service,
        name="Followers (parent)",
        rate_cents=1000,
        low=10,
        high=10000,
        refill=True,
        cancel=True,
        dripfeed=False,
        provider_id=None,
        upstream_service=None,
        category="Parent",
    )
    child = state(v2_app)
    provider_id = child.db.write_sync(
        _add_provider, url=f"{parent.base_url}/api/v2", api_key_encrypted=child.secrets.encrypt(parent_key)
    )
    child_service = child.db.write_sync(
        _insert_service,
        name="Followers",
        rate_cents=1500,
        low=10,
        high=10000,
        refill=True,
        cancel=True,
        dripfeed=False,
        provider_id=provider_id,
        upstream_service=str(parent_service),
        category="Child",
    )
    return Chain(parent=parent, child=child, parent_key=parent_key, child_service=child_service)


async def test_an_order_placed_on_the_child_is_fulfilled_by_the_parent_and_its_status_flows_back(
    v2: httpx.AsyncClient, chain: Chain, make_customer: Callable[..., str]
) -> None:
    alice = make_customer(balance="100")
    parent_db = chain.parent.state.db
    order = (await call(v2, alice, "add", service=chain.child_service, link=LINK, quantity=1000))["order"]
    assert balance_cents(chain.child.db, alice) == 10000 - 1500

    # child -> parent over HTTP: the parent now holds an order of the child panel's, charged there
    assert await SUBMISSION.run_once(chain.child) == 1
    upstream_id = order_row(chain.child.db, order)["upstream_order_id"]
    assert upstream_id is not None
    assert order_row(parent_db, int(upstream_id))["status"] == "pending"
    assert balance_cents(parent_db, chain.parent_key) == 5000 - 1000
    make_due(chain.child.db)
    await STATUS_SYNC.run_once(chain.child)
    assert (await call(v2, alice, "status", order=order))["status"] == "Processing"

    # the parent hands it to its own upstream, which completes it
    assert await SUBMISSION.run_once(chain.parent.state) == 1
    make_due(parent_db)
    assert await STATUS_SYNC.run_once(chain.parent.state) == 1
    assert order_row(parent_db, int(upstream_id))["status"] == "completed"

    # the child hears it at its next status check
    make_due(chain.child.db)
    assert await STATUS_SYNC.run_once(chain.child) == 1
    reply = await call(v2, alice, "status", order=order)
    assert (reply["status"], reply["remains"], reply["charge"]) == ("Completed", "0", "15.00")
    assert balance_cents(chain.child.db, alice) == 10000 - 1500

    # a refill asked on the child is forwarded to the parent, done there, and reported back
    refill = (await call(v2, alice, "refill", order=order))["refill"]
    assert await forward_refills(chain.child) == 1
    assert await call(v2, alice, "refill_status", refill=refill) == {"status": "In progress"}
    assert await forward_refills(chain.parent.state) == 1
    make_due(chain.child.db)
    assert await sync_refills(chain.child) == 1
    assert await call(v2, alice, "refill_status", refill=refill) == {"status": "Completed"}


async def test_a_cancel_on_the_child_is_honoured_by_the_parent_and_refunded_once_on_both(
    v2: httpx.AsyncClient, chain: Chain, make_customer: Callable[..., str]
) -> None:
    alice = make_customer(balance="100")
    parent_db = chain.parent.state.db
    order = (await call(v2, alice, "add", service=chain.child_service, link=LINK, quantity=1000))["order"]
    await SUBMISSION.run_once(chain.child)  # the parent has it, still pending there
    upstream_id = int(order_row(chain.child.db, order)["upstream_order_id"])

    assert await call(v2, alice, "cancel", orders=str(order)) == [{"order": order, "cancel": 1}]
    assert balance_cents(chain.child.db, alice) == 10000 - 1500  # the parent decides first
    assert await forward_cancels(chain.child) == 1
    # the parent had not submitted it yet: canceled and refunded there at once
    assert order_row(parent_db, upstream_id)["status"] == "cancelled"
    assert balance_cents(parent_db, chain.parent_key) == 5000

    for _ in range(2):
        make_due(chain.child.db)
        await STATUS_SYNC.run_once(chain.child)
    assert (await call(v2, alice, "status", order=order))["status"] == "Canceled"
    assert balance_cents(chain.child.db, alice) == 10000


def _add_upstream(conn: Conn, *, name: str, url: str, api_key_encrypted: str, currency: str) -> int:
    row = conn.one(
        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
        "VALUES (?, 'smm-v2', ?, ?, ?, '1', ?, ?) RETURNING id",
        (name, url, api_key_encrypted, currency, True, now()),
    )
    assert row is not None
    return int(row["id"])


async def test_a_partial_delivery_three_panels_up_refunds_the_undelivered_part_at_every_level(
    v2: httpx.AsyncClient, v2_app: Litestar, parent: Parent, make_customer: Callable[..., str]
) -> None:
    """child -> parent -> a fake JAP-style upstream, which delivers only three quarters."""
    fake = FakeSmmPanel(api_key="parent-key", balance="1000")
    with running_fake(fake) as fake_url:
        parent_state, child = parent.state, state(v2_app)
        fake_provider = parent_state.db.write_sync(
            _add_upstream,
            name="jap",
            url=f"{fake_url}/api/v2",
            api_key_encrypted=parent_state.secrets.encrypt("parent-key"),
            currency="USD",
        )
        parent_service = parent_state.db.write_sync(
            _insert_service,
            name="Followers (parent)",
            rate_cents=1000,
            low=50,
            high=10000,
            refill=True,
            cancel=True,
            dripfeed=False,
            provider_id=fake_provider,
            upstream_service="1",
            category="Parent",
        )
        parent_key = parent_state.db.write_sync(
            customers.create_customer, name="child-panel", initial_balance=Decimal(50)
        )
        child_provider = child.db.write_sync(
            _add_upstream,
            name="parent panel",
            url=f"{parent.base_url}/api/v2",
            api_key_encrypted=child.secrets.encrypt(parent_key),
            currency="NGN",
        )
        child_service = child.db.write_sync(
            _insert_service,
            name="Followers",
            rate_cents=1500,
            low=50,
            high=10000,
            refill=True,
            cancel=True,
            dripfeed=False,
            provider_id=child_provider,
            upstream_service=str(parent_service),
            category="Child",
        )
        alice = make_customer(balance="100")
        order = (await call(v2, alice, "add", service=child_service, link=LINK, quantity=1000))["order"]

        await SUBMISSION.run_once(child)  # child -> parent
        parent_order = int(order_row(child.db, order)["upstream_order_id"])
        await SUBMISSION.run_once(parent_state)  # parent -> fake
        fake_order = int(order_row(parent_state.db, parent_order)["upstream_order_id"])
        fake.partial(fake_order, remains=250)

        make_due(parent_state.db)
        await STATUS_SYNC.run_once(parent_state)
        assert order_row(parent_state.db, parent_order)["status"] == "partial"
        assert balance_cents(parent_state.db, parent_key) == 5000 - 1000 + 250

        make_due(child.db)
        await STATUS_SYNC.run_once(child)
        reply = await call(v2, alice, "status", order=order)
        assert (reply["status"], reply["remains"], reply["charge"]) == ("Partial", "250", "11.25")
        assert balance_cents(child.db, alice) == 10000 - 1500 + 375
