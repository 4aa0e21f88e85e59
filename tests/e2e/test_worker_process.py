"""`flashpanel worker --metrics-port` as an operator runs it in the scaled layout: a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from flashpanel.config import Settings
from tests.e2e.test_live_server import _free_port


def test_a_worker_process_serves_its_loop_metrics(settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "FLASHPANEL_DATABASE_URL": settings.database_url,
        "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
        "FLASHPANEL_REDIS_URL": settings.redis_url or "",
    }
    flashpanel = Path(sys.executable).with_name("flashpanel")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(flashpanel), "worker", "--metrics-port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 60
        while True:  # until every loop has finished a first pass and says so in the metrics
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                if 'flashpanel_worker_last_pass_timestamp_seconds{loop="otp-expire"}' in body:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no loop metrics:\n" + log.read_text()
            time.sleep(0.2)
        assert 'flashpanel_worker_last_pass_timestamp_seconds{loop="smm-submission"}' in body
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
