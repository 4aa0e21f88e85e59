"""Screenshots of the operator back office for docs/screenshots/ (phone 360 px and desktop).

    .venv/bin/python -m tests.web.browser.admin_screenshots [--out docs/screenshots]

Serves the demo panel on a scratch SQLite database, gives the demo customer an order and a credit,
creates an owner with ``flashpanel admins create``, enrols its authenticator through the pages, and
photographs the back office in Chromium. Not a test: run it after changing how the pages look."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

from flashpanel.admin import totp
from flashpanel.config import Settings
from tests.e2e.support import free_port, spawn, wait_until
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE

PASSWORD = "a long operator passphrase"


def _log_in(page: Page, secret: str | None, steps_ahead: int) -> str:
    """Log in as the demo owner; enrol on the first call. Returns the TOTP secret."""
    page.goto("/admin/login")
    page.get_by_label("Name").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    if secret is not None:
        page.get_by_label("Code").fill(totp.current_code(secret, at=time.time() + steps_ahead * totp.STEP_SECONDS))
    page.get_by_role("button", name="Log in").click()
    if secret is None:
        secret = page.get_by_label("Secret").input_value()
        page.get_by_label("Code").fill(totp.current_code(secret))
        page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    return secret


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    out = parser.parse_args().out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'panel.db'}",
            secret_key_file=workdir / "secret.key",
            demo_key_file=workdir / "demo.key",
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = workdir / "serve.log"
        process = spawn(settings, workdir, log, "serve", "--demo", "--port", str(port))
        try:
            wait_until(
                process, log, lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, what="no panel"
            )
            key = settings.demo_key_file.read_text().strip()
            env = {
                **os.environ,
                "FLASHPANEL_DATABASE_URL": settings.database_url,
                "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
                "FLASHPANEL_DEMO_KEY_FILE": str(settings.demo_key_file),
            }
            flashpanel = Path(sys.executable).with_name("flashpanel")

            def cli(*args: str, stdin: str | None = None) -> None:
                subprocess.run(
                    [str(flashpanel), *args],
                    env=env,
                    cwd=workdir,
                    input=stdin,
                    text=True,
                    check=True,
                    capture_output=True,
                )

            order = {"key": key, "service": "1", "link": "https://social.example/demo-page", "quantity": "1000"}
            httpx.post(f"{base}/api/v1/smm/order", data=order, timeout=10).raise_for_status()
            cli("users", "topup", "demo", "2500", "--note", "bank transfer 1042")
            cli("admins", "create", "owner", "--role", "owner", "--password-stdin", stdin=PASSWORD + "\n")
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
                secret = None
                for step, (device, viewport) in enumerate((("phone", PHONE), ("desktop", DESKTOP))):
                    page = browser.new_context(viewport=viewport, base_url=base).new_page()
                    page.goto("/admin/login")
                    page.screenshot(path=str(out / f"{device}-admin-login.png"), full_page=True)
                    secret = _log_in(page, secret, steps_ahead=step)
                    for path, name in (
                        ("/admin", "admin-dashboard"),
                        ("/admin/customers/1", "admin-customer"),
                        ("/admin/orders/smm", "admin-orders"),
                        ("/admin/orders/smm/1", "admin-order"),
                        ("/admin/catalog", "admin-catalog"),
                        ("/admin/audit", "admin-audit"),
                    ):
                        page.goto(path)
                        page.screenshot(path=str(out / f"{device}-{name}.png"), full_page=True)
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
