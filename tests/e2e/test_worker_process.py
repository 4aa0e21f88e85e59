"""`flashpanel worker --metrics-port` as an operator runs it in the scaled layout: a real process."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from flashpanel.config import Settings
from tests.e2e.support import free_port, spawn, wait_until


def test_a_worker_process_serves_its_loop_metrics(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "worker.log"
    process = spawn(settings, tmp_path, log, "worker", "--metrics-port", str(port))
    try:
        metrics = f"http://127.0.0.1:{port}/metrics"
        # until every loop has finished a first pass and says so in the metrics
        wait_until(
            process,
            log,
            lambda: (
                'flashpanel_worker_last_pass_timestamp_seconds{loop="otp-expire"}' in httpx.get(metrics, timeout=1).text
            ),
            what="no loop metrics",
        )
        body = httpx.get(metrics).text
        assert 'flashpanel_worker_last_pass_timestamp_seconds{loop="smm-submission"}' in body
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
