"""`flashpanel serve --demo` as an operator runs it: a real process, real HTTP, keys kept out of the log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from flashpanel.config import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_prints_a_key_that_reads_the_demo_balance(settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "FLASHPANEL_DATABASE_URL": settings.database_url,
        "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
        "FLASHPANEL_DEMO_KEY_FILE": str(settings.demo_key_file),
        "FLASHPANEL_REDIS_URL": settings.redis_url or "",
    }
    flashpanel = Path(sys.executable).with_name("flashpanel")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(flashpanel), "serve", "--demo", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # wait until the server answers (start-up includes migrations and the demo seed)
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start:\n" + log.read_text()
            time.sleep(0.2)
        printed = log.read_text()
        key = next(line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("demo API key: "))
        response = httpx.get(f"{base}/api/v1/balance", params={"key": key})
        assert response.json() == {"success": True, "data": {"balance": "15000.00", "currency": "NGN"}}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    access_lines = [line for line in log.read_text().splitlines() if '"GET /api/v1/balance' in line]
    assert access_lines, "the request should appear in the access log"
    assert all(key not in line and "key=[redacted]" in line for line in access_lines)
