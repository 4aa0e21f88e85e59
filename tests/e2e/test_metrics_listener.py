"""Metrics on their own listener (`serve --metrics-port`), never on the API port; with `--workers N` the
figures of every API process together."""

from __future__ import annotations

import signal
import subprocess
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from flashpanel.accounts import catalog, stock
from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.customers import service as customers
from flashpanel.db.runner import Database
from tests.conftest import POSTGRES_URL
from tests.e2e.support import free_port, spawn, wait_until


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the SIGTERM it handled once it has shut down cleanly (systemd counts that a success)
    assert process.wait(timeout=30) in (0, -signal.SIGTERM), log.read_text()


def test_serve_exposes_its_metrics_on_their_own_listener_and_not_on_the_api_port(
    settings: Settings, tmp_path: Path
) -> None:
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    process = spawn(settings, tmp_path, log, "serve", "--port", str(port), "--metrics-port", str(metrics_port))
    try:
        metrics = f"http://127.0.0.1:{metrics_port}/metrics"
        # the in-process background loops report their passes there
        wait_until(
            process,
            log,
            lambda: 'flashpanel_worker_last_pass_timestamp_seconds{loop="otp-expire"}' in httpx.get(metrics).text,
            what="no loop metrics on the metrics listener",
        )
        for path in ("/metrics", "/metrics/"):
            response = httpx.get(f"http://127.0.0.1:{port}{path}")
            assert response.status_code == 404
            assert response.json()["success"] is False
        # the request metrics: the two 404s above, counted in the class of unknown API-less paths
        wait_until(
            process,
            log,
            lambda: 'flashpanel_http_requests_total{endpoint="web"} 2.0' in httpx.get(metrics).text,
            what="no request metrics on the metrics listener",
        )
        assert 'flashpanel_http_request_duration_seconds_count{endpoint="web"} 2.0' in httpx.get(metrics).text
    finally:
        _stop(process, log)


def test_serve_refuses_a_busy_metrics_port_in_one_line(settings: Settings, tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        metrics_port = busy.getsockname()[1]
        log = tmp_path / "serve.log"
        process = spawn(
            settings, tmp_path, log, "serve", "--port", str(free_port()), "--metrics-port", str(metrics_port)
        )
        code = process.wait(timeout=60)
    assert code != 0
    assert log.read_text().strip().splitlines()[-1] == (
        f"error: cannot serve metrics on 127.0.0.1:{metrics_port}: Address already in use"
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="several API processes need PostgreSQL")
def test_serve_with_several_processes_serves_the_figures_of_all_of_them(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    key = db.write_sync(customers.create_customer, name="buyer", initial_balance=Decimal("1000"))
    category_id = db.write_sync(catalog.add_category, name="Streaming", icon="play")
    product_id = db.write_sync(
        catalog.add_product, category_id=category_id, name="P", price_cents=1234, min_quantity=1, max_quantity=1
    )
    lines = [f"user{i}@example.com:pw{i}" for i in range(8)]
    db.write_sync(
        stock.add_stock, product_id=product_id, lines=lines, secrets=open_secret_box(settings.secret_key_file)
    )
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    args = ("serve", "--no-worker", "--workers", "2", "--port", str(port), "--metrics-port", str(metrics_port))
    process = spawn(settings, tmp_path, log, *args)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(process, log, lambda: httpx.get(f"{base}/healthz").status_code == 200, what="server did not start")
        for _ in lines:  # a new connection each, so that both processes take some
            response = httpx.post(
                f"{base}/api/v1/accounts/purchase",
                json={"key": key, "product": product_id, "quantity": 1},
                headers={"Connection": "close"},
            )
            assert response.status_code == 200, response.text
        body = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'flashpanel_ledger_entries_total{kind="charge"} 8.0' in body, body
        assert 'flashpanel_ledger_cents_total{kind="charge"} 9872.0' in body, body
    finally:
        _stop(process, log)
