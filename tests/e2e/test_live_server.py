"""`flashpanel serve --demo` as an operator runs it: a real process, real HTTP, keys kept out of the log."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx

from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database
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
        # Every way a client may present its key: none of them may reach the log in any form.
        for query, status in (
            (f"?%6Bey={key}", 200),
            (f"?k%65y={key}", 200),
            (f"?key={key}&key=another", 200),  # the first one counts
            (f"?key=another&%6B%65%79={key}", 401),
        ):
            assert httpx.get(f"{base}/api/v1/balance{query}").status_code == status, query
        assert httpx.get(f"{base}/api/v1/balance", headers={"X-Api-Key": key}).status_code == 200
        assert httpx.get(f"{base}/api/v1/balance", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert "balance" in httpx.post(f"{base}/api/v2", data={"key": key, "action": "balance"}).json()
        assert "balance" in httpx.post(f"{base}/api/v2", json={"key": key, "action": "balance"}).json()
        assert httpx.post(f"{base}/api/v1/smm/order?key={key}", content=b"{not json").status_code == 400
        assert httpx.get(f"{base}/api/v1/no-such-path?key={key}").status_code == 404
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    output = log.read_text()
    access_lines = [line for line in output.splitlines() if '"GET /api/v1/balance' in line]
    # one line per request, the path without its query string
    statuses = [line.split('"GET /api/v1/balance" ', 1)[1].split()[0] for line in access_lines]
    assert statuses == ["200", "200", "200", "200", "401", "200", "200"], access_lines
    printed_for_the_operator = ("demo API key: ", "try: curl ")  # by `serve --demo`, before serving
    assert not [line for line in output.splitlines() if key in line and not line.startswith(printed_for_the_operator)]


def test_serve_on_a_busy_port_fails_in_one_line_before_any_background_loop_runs(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    # An OTP number past its deadline: the first pass of the expiry loop would expire and refund it.
    def waiting_number_past_its_deadline(conn: Conn) -> None:
        conn.execute(
            "INSERT INTO customers (id, name, api_key_digest, balance_cents, created_at) VALUES (1, 'a', 'd', 0, 0)"
        )
        conn.execute("INSERT INTO otp_countries (id, name, code) VALUES (1, 'Testland', 'TL')")
        conn.execute("INSERT INTO otp_services (id, country_id, name, code, price_cents) VALUES (1, 1, 'Chat', 'c', 1)")
        conn.execute(
            "INSERT INTO otp_orders (id, request_id, customer_id, otp_service_id, country_id, charge_cents, status, "
            "expires_at, next_check_at, created_at, updated_at) VALUES (1, 'r1', 1, 1, 1, 100, 'waiting', 1, 1, 0, 0)"
        )

    db.write_sync(waiting_number_past_its_deadline)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        log = tmp_path / "serve.log"
        process = spawn(settings, tmp_path, log, "serve", "--port", str(port))
        try:
            code = process.wait(timeout=60)
        finally:
            process.kill()
    output = log.read_text()
    assert code != 0
    assert output.strip().splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert db.read_sync(lambda c: c.scalar("SELECT status FROM otp_orders WHERE id = 1")) == "waiting"


def _client_of_logged_healthz(settings: Settings, tmp_path: Path, *flags: str) -> str:
    port = free_port()
    log = tmp_path / "serve.log"
    process = spawn(settings, tmp_path, log, "serve", "--no-worker", "--port", str(port), *flags)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(process, log, lambda: httpx.get(f"{base}/healthz").status_code == 200, what="no start")
        forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        assert httpx.get(f"{base}/healthz?from=proxy", headers=forwarded).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    (line,) = [line for line in log.read_text().splitlines() if '"GET /healthz"' in line][-1:]
    return line.split()[1].rsplit(":", 1)[0]


def test_forwarded_headers_count_only_with_proxy_headers_and_from_a_trusted_address(
    settings: Settings, tmp_path: Path
) -> None:
    assert _client_of_logged_healthz(settings, tmp_path) == "127.0.0.1"
    assert _client_of_logged_healthz(settings, tmp_path, "--proxy-headers") == "203.0.113.9"
    untrusted = ("--proxy-headers", "--forwarded-allow-ips", "192.0.2.1")
    assert _client_of_logged_healthz(settings, tmp_path, *untrusted) == "127.0.0.1"


def test_a_kill_9_of_serve_leaves_no_api_process_holding_the_port(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    process = spawn(settings, tmp_path, log, "serve", "--no-worker", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(process, log, lambda: httpx.get(f"{base}/healthz").status_code == 200, what="no start")
    finally:
        process.send_signal(signal.SIGKILL)  # the supervisor only: its API process must not outlive it
        process.wait(timeout=30)

    def port_is_free() -> bool:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                probe.listen()
            except OSError:
                return False
            return True

    deadline = time.monotonic() + 10
    while not port_is_free():
        assert time.monotonic() < deadline, "an API process still holds the port after kill -9 of serve"
        time.sleep(0.1)
