"""Browser tests: Playwright for Python driving Debian's chromium (/usr/bin/chromium), headless.

One browser per test session; one live ``flashpanel serve`` per test module, on the backend of the
run (a copy of the migrated SQLite template, or the PostgreSQL + Redis pass's database). Each test
gets fresh browser contexts (no cookies shared between tests). Tests find elements by label and
role, never by CSS class. A browser that cannot start fails the run with one line; without chromium
installed the tests are skipped with the reason, except where FLASHPANEL_TEST_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from flashpanel.config import Settings
from flashpanel.db.runner import Database, open_database
from tests.conftest import POSTGRES_URL, REDIS_URL, _truncate_postgres
from tests.e2e.support import free_port, spawn, wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED = os.environ.get("FLASHPANEL_TEST_REQUIRE_SERVICES") == "1"
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
FUNDING_INSTRUCTIONS = "Transfer to Example Bank, account 0000000000, and mention your username."


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if REQUIRED:
            pytest.exit(f"FAILED: browser tests cannot run: {message}", returncode=1)
        pytest.skip(f"browser tests skipped: {message}")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
    except Exception as exc:  # one clear line instead of a driver traceback per test
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        pytest.exit(f"FAILED: Chromium ({CHROMIUM}) cannot start: {first_line}", returncode=1)
    yield chromium
    chromium.close()


@dataclass
class LivePanel:
    """A running ``flashpanel serve`` and what tests need to reach it."""

    base_url: str
    settings: Settings
    log: Path
    workdir: Path
    db: Database  # a direct handle on the panel's database, to arrange data quickly
    env: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str) -> str:
        """``flashpanel ARGS...`` against the panel's database, as the operator runs it; returns stdout."""
        flashpanel = Path(sys.executable).with_name("flashpanel")
        result = subprocess.run(
            [str(flashpanel), *args], env={**os.environ, **self.env}, cwd=self.workdir, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def balance(self, key: str) -> httpx.Response:
        return httpx.get(self.url("/api/v1/balance"), params={"key": key}, timeout=10)


@pytest.fixture(scope="module")
def panel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, migrated_template: str
) -> Iterator[LivePanel]:
    """The module's live panel: ``serve --no-worker`` unless the module sets ``PANEL_SERVE_ARGS`` (the
    ordering journeys serve ``--demo`` with the worker, so the simulators move orders), with the module's
    ``PANEL_ENV`` added to the environment."""
    workdir = tmp_path_factory.mktemp("panel")
    if POSTGRES_URL:
        _truncate_postgres(POSTGRES_URL)
        database_url = POSTGRES_URL
    else:
        shutil.copyfile(migrated_template, workdir / "panel.db")
        database_url = f"sqlite:///{workdir / 'panel.db'}"
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    settings = Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key_file=workdir / "secret.key",
        demo_key_file=workdir / "demo.key",
        run_worker=False,
    )
    extra = {"FLASHPANEL_FUNDING_INSTRUCTIONS": FUNDING_INSTRUCTIONS, **getattr(request.module, "PANEL_ENV", {})}
    serve_args = getattr(request.module, "PANEL_SERVE_ARGS", ("--no-worker",))
    port = free_port()
    log = workdir / "serve.log"
    process = spawn(settings, workdir, log, "serve", "--port", str(port), *serve_args, extra_env=extra)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            process, log, lambda: httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200, what="no panel"
        )
        env = {
            "FLASHPANEL_DATABASE_URL": database_url,
            "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
            "FLASHPANEL_DEMO_KEY_FILE": str(settings.demo_key_file),
            "FLASHPANEL_REDIS_URL": REDIS_URL or "",
        }
        db = open_database(database_url, pool_size=1)
        try:
            yield LivePanel(base_url=base_url, settings=settings, log=log, workdir=workdir, db=db, env=env)
        finally:
            db.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@pytest.fixture
def new_context(browser: Browser, panel: LivePanel) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (fresh cookies) for this test: ``new_context(viewport=PHONE)``. Every page
    of every context is watched for Content-Security-Policy violations, which fail the test."""
    contexts: list[BrowserContext] = []
    violations: list[str] = []

    def open_context(viewport: ViewportSize = DESKTOP) -> BrowserContext:
        context = browser.new_context(viewport=viewport, base_url=panel.base_url)
        context.set_default_timeout(15_000)
        context.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert violations == [], violations


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()
