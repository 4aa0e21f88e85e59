"""`flashpanel serve --demo` as an operator runs it: a real process, real HTTP, keys kept out of the log."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from flashpanel.config import Settings
from tests.e2e.support import free_port, spawn, wait_until


def test_serve_demo_prints_a_key_that_reads_the_demo_balance_and_sells_the_demo_catalog(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = spawn(settings, tmp_path, log, "serve", "--demo", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        # start-up includes migrations and the demo seed
        wait_until(
            process,
            log,
            lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200,
            what="server did not start",
        )
        printed = log.read_text()
        key = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("demo API key: "))
        response = httpx.get(f"{base}/api/v1/balance", params={"key": key})
        assert response.json() == {"success": True, "data": {"balance": "15000.00", "currency": "NGN"}}
        # --demo turns the simulators on for its process: the demo catalog is on sale.
        services = httpx.get(f"{base}/api/v1/smm/services", params={"key": key}).json()["data"]
        assert {s["name"] for s in services} >= {"Demo Followers", "Demo Likes"}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    access_lines = [line for line in log.read_text().splitlines() if '"GET /api/v1/balance' in line]
    assert access_lines, "the request should appear in the access log"
    assert all(key not in line and "key=[redacted]" in line for line in access_lines)
