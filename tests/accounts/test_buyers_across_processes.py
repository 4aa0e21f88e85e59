"""Concurrent buyers spread over two API processes on PostgreSQL: exactly min(buyers, stock) succeed."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.db.runner import Database
from tests.accounts.conftest import Stocked
from tests.accounts.test_claim_plans import PLANS
from tests.conftest import POSTGRES_URL
from tests.e2e.support import free_port, spawn, wait_until

BUYERS = 35
STOCK = 25

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="several API processes need PostgreSQL (docs/deploy.md)")


def test_35_buyers_of_one_item_over_two_processes_get_exactly_the_25_in_stock(
    settings: Settings,
    tmp_path: Path,
    db: Database,
    stocked: Callable[..., Stocked],
    make_customer: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop = stocked(items=STOCK, price="10")
    keys = [make_customer(balance="10") for _ in range(BUYERS)]
    # The servers plan their SQL as PostgreSQL did when it re-ran the claim's locking subquery per row.
    monkeypatch.setenv("PGOPTIONS", PLANS["nested-loops"])
    ports = [free_port(), free_port()]
    servers: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for n, port in enumerate(ports):
            log = tmp_path / f"serve-{n}.log"
            servers.append((spawn(settings, tmp_path, log, "serve", "--no-worker", "--port", str(port)), log))
        for (process, log), port in zip(servers, ports, strict=True):
            wait_until(
                process,
                log,
                partial(_answers_healthz, port),
                what="server did not start",
            )
        answers = asyncio.run(_buy_all(ports, keys, shop.product_id))
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGINT)
        for process, _ in servers:
            process.wait(timeout=30)

    outcomes = Counter((status, body.get("error")) for status, body in answers)
    assert outcomes == Counter({(200, None): STOCK, (422, "Insufficient stock"): BUYERS - STOCK})
    delivered = sorted(
        f"{a['email']}:{a['password']}" for status, body in answers if status == 200 for a in body["data"]["accounts"]
    )
    assert delivered == sorted(shop.lines)
    books = db.read_sync(
        lambda c: (
            c.scalar("SELECT COUNT(*) FROM account_orders"),
            c.scalar("SELECT COUNT(*) FROM stock_items WHERE order_id IS NULL"),
            c.scalar("SELECT SUM(balance_cents) FROM customers"),
        )
    )
    assert books == (STOCK, 0, (BUYERS - STOCK) * 1000)


def _answers_healthz(port: int) -> bool:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200


async def _buy_all(ports: list[int], keys: list[str], product_id: int) -> list[tuple[int, dict[str, Any]]]:
    async with httpx.AsyncClient(timeout=30) as client:

        async def buy(n: int, key: str) -> tuple[int, dict[str, Any]]:
            response = await client.post(
                f"http://127.0.0.1:{ports[n % 2]}/api/v1/accounts/purchase",
                json={"key": key, "product": product_id, "quantity": 1},
            )
            return response.status_code, response.json()

        return await asyncio.gather(*(buy(n, key) for n, key in enumerate(keys)))
