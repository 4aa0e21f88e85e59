"""A hostile upstream as an operator reproduces it: `flashpanel dev fake-upstream` answering hostile numbers
(set through POST /_control), and `flashpanel serve` (background loops in the API process) polling it. The
status reply {"status": "In progress", "remains": "1e300000"} must not stall the event loop:
/healthz answers within 2 s all along, and the order carries the error instead."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from flashpanel.config import Settings
from flashpanel.db.runner import Database
from tests.e2e.support import free_port, spawn, wait_until
from tests.helpers import run_cli
from tests.smm.support import balance_of, ledger_rows, order_row

FAKE_KEY = "e2e-fake-key"
HOSTILE_REPLY = '{"status":"In progress","remains":"1e300000","start_count":"1"}'


@pytest.mark.usefixtures("cli_env")
def test_the_api_keeps_answering_while_it_polls_a_hostile_upstream(
    settings: Settings,
    tmp_path: Path,
    db: Database,
    make_customer: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_port, api_port = free_port(), free_port()
    fake_base, api = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{api_port}"
    fake = spawn(settings, tmp_path, tmp_path / "fake.log", "dev", "fake-upstream", "smm-v2", "--port",
                 str(fake_port), "--key", FAKE_KEY, "--complete-after", "3600")  # fmt: skip
    server = None
    try:
        wait_until(fake, tmp_path / "fake.log", lambda: httpx.get(f"{fake_base}/_control").status_code == 200,
                   what="the fake upstream did not start")  # fmt: skip
        run_cli("providers", "add", "fake", "--kind", "smm-v2", "--url", f"{fake_base}/api/v2", "--key", FAKE_KEY)
        code, _, err = run_cli("smm", "services", "import-from", "fake", "--category", "Instagram")
        assert code == 0, err
        service_id = db.read_sync(lambda c: c.scalar("SELECT id FROM smm_services WHERE upstream_service = '1'"))
        key = make_customer(balance="1000")
        # The 60-byte reply, verbatim, to every status request (the hostile modes send the same
        # numbers with the rest of a real reply: {"op": "hostile", "mode": "exponent"}).
        hostile = {"op": "fail_next", "kind": "body", "action": "status", "times": 1000, "body": HOSTILE_REPLY}
        assert httpx.post(f"{fake_base}/_control", json=hostile).json() == {"ok": True, "result": None}

        monkeypatch.setenv("FLASHPANEL_WORKER_INTERVAL_SECONDS", "0.2")
        server = spawn(settings, tmp_path, tmp_path / "serve.log", "serve", "--port", str(api_port))
        wait_until(server, tmp_path / "serve.log", lambda: httpx.get(f"{api}/healthz").status_code == 200,
                   what="the API did not start")  # fmt: skip
        placed = httpx.post(
            f"{api}/api/v1/smm/order",
            data={"key": key, "service": service_id, "link": "https://e.example/p", "quantity": 100},
        )
        order_id = placed.json()["data"]["order_id"]

        # Until the hostile status reply is recorded on the order, /healthz is asked again and again while
        # the worker submits the order and polls it: a stalled event loop makes one of these time out
        # (httpx.ReadTimeout fails the test; wait_until would count it as "not yet").
        deadline = time.monotonic() + 60
        while "malformed" not in (order_row(db, order_id)["last_error"] or ""):
            assert httpx.get(f"{api}/healthz", timeout=2).status_code == 200
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the hostile reply was never recorded"
            time.sleep(0.1)
        assert httpx.get(f"{fake_base}/_control").json()["actions"]["status"] >= 1
        row = order_row(db, order_id)
        assert row["status"] == "processing" and "1e300000" in row["last_error"]
        assert balance_of(db, key) == 100000 - int(row["charge_cents"])  # charged once, nothing else moved
        assert ledger_rows(db, order_id) == [("charge", -int(row["charge_cents"]))]
    finally:
        for process in (server, fake):
            if process is not None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
