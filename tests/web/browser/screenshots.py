"""Screenshots of the customer panel for docs/screenshots/ (phone 360 px and desktop).

    .venv/bin/python -m tests.web.browser.screenshots [--out docs/screenshots]

Serves the demo panel (`flashpanel serve --demo`) on a scratch SQLite database, gives the demo customer
a password and a little history (an SMM order, an accounts purchase, a top-up from the CLI), and
photographs each page in Chromium. Not a test: run it after changing how pages look, and look at the
pictures."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

from flashpanel.config import Settings
from tests.e2e.support import free_port, spawn, wait_until
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, FUNDING_INSTRUCTIONS, PHONE

PASSWORD = "demo passphrase"


def _arrange(base: str, env: dict[str, str], workdir: Path, key: str) -> None:
    flashpanel = Path(sys.executable).with_name("flashpanel")

    def cli(*args: str, stdin: str | None = None) -> None:
        subprocess.run([str(flashpanel), *args], env=env, cwd=workdir, input=stdin, text=True, check=True,
                       capture_output=True)

    cli("users", "set-password", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    order = {"key": key, "service": "1", "link": "https://social.example/demo-page", "quantity": "1000"}
    httpx.post(f"{base}/api/v1/smm/order", data=order, timeout=10).raise_for_status()
    purchase = {"key": key, "product": "1", "quantity": "2"}
    httpx.post(f"{base}/api/v1/accounts/purchase", data=purchase, timeout=10).raise_for_status()
    cli("users", "topup", "demo", "2500", "--note", "bank transfer 1042")


def _shoot(page: Page, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)


def _shoot_ordering(page: Page, out: Path, device: str) -> None:
    """The ordering pages: forms filled in, a number waiting for its code, bought credentials, history."""
    page.goto("/smm")
    page.get_by_label("Link").fill("https://social.example/demo-page")
    page.get_by_label("Quantity").fill("2500")
    expect(page.get_by_label("Total")).to_have_text("₦1,250.00")
    _shoot(page, out, f"{device}-smm")
    page.goto("/smm/mass")
    page.get_by_label("Orders").fill("1|https://social.example/a|1000\n2|https://social.example/b|10\n3|https://video.example/c|500")
    page.get_by_role("button", name="Place orders").click()
    _shoot(page, out, f"{device}-smm-mass")
    page.goto("/otp")
    _shoot(page, out, f"{device}-otp")
    page.get_by_role("button", name="Buy number").click()
    expect(page.get_by_label("Phone number")).to_be_visible()
    _shoot(page, out, f"{device}-otp-number")
    page.goto("/accounts")
    page.get_by_role("button", name="Buy", exact=True).click()
    expect(page.get_by_label("Credentials")).to_be_visible()
    _shoot(page, out, f"{device}-accounts-order")
    page.goto("/accounts")
    _shoot(page, out, f"{device}-accounts")
    page.goto("/orders")
    _shoot(page, out, f"{device}-orders")
    page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    _shoot(page, out, f"{device}-smm-order")


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
        extra = {"FLASHPANEL_FUNDING_INSTRUCTIONS": FUNDING_INSTRUCTIONS}
        process = spawn(settings, workdir, log, "serve", "--demo", "--port", str(port), extra_env=extra)
        try:
            wait_until(
                process, log, lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, what="no panel"
            )
            key = settings.demo_key_file.read_text().strip()
            env = {**os.environ, "FLASHPANEL_DATABASE_URL": settings.database_url,
                   "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
                   "FLASHPANEL_DEMO_KEY_FILE": str(settings.demo_key_file)}
            _arrange(base, env, workdir, key)
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
                for device, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                    page = browser.new_context(viewport=viewport, base_url=base).new_page()
                    for path, name in (("/", "welcome"), ("/signup", "signup"), ("/login", "login")):
                        page.goto(path)
                        _shoot(page, out, f"{device}-{name}")
                    page.get_by_label("Username or email").fill("demo")
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    for path, name in (("/", "dashboard"), ("/wallet", "wallet"), ("/wallet/add", "add-funds"),
                                       ("/profile", "profile"), ("/api-access", "api-access")):
                        page.goto(path)
                        _shoot(page, out, f"{device}-{name}")
                    _shoot_ordering(page, out, device)
                    page.goto("/profile")
                    page.get_by_label("Password", exact=True).fill(PASSWORD)
                    page.get_by_role("button", name="Generate new API key").click()
                    _shoot(page, out, f"{device}-new-key")
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
