"""Driving the web pages over HTTP (no browser): the CSRF token, sign-up and log-in as forms post them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from typing import Any

import httpx

from flashpanel.app import create_app, start, stop
from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database
from tests.helpers import asgi_transport

PASSWORD = "correct horse battery"
_KEY = re.compile(r'id="api-key" class="mono" type="text" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, page: str = "/login") -> str:
    """The token the panel's forms carry: the page sets the CSRF cookie and repeats it in the form."""
    response = await client.get(page)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, fields: dict[str, str], *, page: str = "/login"
) -> httpx.Response:
    return await client.post(path, data={"_csrf_token": await csrf_token(client, page), **fields})


async def sign_up(client: httpx.AsyncClient, name: str, *, password: str = PASSWORD) -> str:
    """Sign up through the form; returns the API key the page shows. The client is then logged in."""
    response = await post_form(
        client,
        "/signup",
        {"username": name, "email": f"{name}@example.com", "password": password, "confirm_password": password},
        page="/signup",
    )
    assert response.status_code == 201, response.text
    match = _KEY.search(response.text)
    assert match, response.text
    return match.group(1)


async def log_in(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    return await post_form(client, "/login", {"login": login, "password": password})


@asynccontextmanager
async def panel_client(
    settings: Settings, *, base_url: str = "http://testserver", **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with ``settings`` changed by ``changes`` (e.g. ``signup="closed"``)."""
    app = create_app(settings.model_copy(update=changes), run_worker=False)
    start(app, settings.model_copy(update=changes), run_worker=False)
    try:
        async with httpx.AsyncClient(transport=asgi_transport(app), base_url=base_url) as client:
            yield client
    finally:
        await stop(app)


class PageForms(HTMLParser):
    """Every form of a page: its action and the values a browser would send as the page shows them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.stateful: set[str] = set()  # forms with a hidden field of state (a balance as seen)
        self.action: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form" and (attr.get("method") or "").lower() == "post":
            self.action = str(attr.get("action"))
            self.forms.setdefault(self.action, {})
        elif self.action is None:
            return
        fields = self.forms[self.action]
        name = attr.get("name")
        if tag in ("input", "textarea") and name and (attr.get("type") != "checkbox" or "checked" in attr):
            fields[name] = attr.get("value") or ""
            if attr.get("type") == "hidden" and name not in ("_csrf_token", "request_id"):
                self.stateful.add(self.action)
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and (self.select not in fields or "selected" in attr):
            fields[self.select] = attr.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.action = None
        elif tag == "select":
            self.select = None


def money_state(db: Database) -> tuple[int, int]:
    """(ledger rows, sum of balances): a refused request must leave both as they were."""

    def read(conn: Conn) -> tuple[int, int]:
        rows = conn.scalar("SELECT COUNT(*) FROM ledger_entries")
        total = conn.scalar("SELECT COALESCE(SUM(balance_cents), 0) FROM customers")
        return int(rows or 0), int(total or 0)

    return db.read_sync(read)
