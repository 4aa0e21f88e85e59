"""Operators for tests: created as ``flashpanel admins create`` does, logged in over HTTP with TOTP codes."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import httpx

from flashpanel.admin import operators, totp
from flashpanel.admin.audit import Actor
from flashpanel.customers.passwords import hash_password
from flashpanel.db.runner import Database

OPERATOR_PASSWORD = "a long operator passphrase"
TEST_ACTOR = Actor(name="cli:test", role="owner")
_SECRET = re.compile(r'id="totp-secret" class="mono" type="text" value="([A-Z2-7]+)"')
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def make_operator(db: Database, name: str, role: str = "owner") -> int:
    operator_id: int = db.write_sync(
        operators.create_operator,
        actor=TEST_ACTOR,
        name=name,
        role=role,
        password_hash=hash_password(OPERATOR_PASSWORD),
    )
    return operator_id


def next_code(secret: str, *, steps_ahead: int = 1) -> str:
    """A code for a step after the current one (still inside the accepted window): a code already used
    in this 30-second step would be refused as a replay."""
    return totp.current_code(secret, at=time.time() + steps_ahead * totp.STEP_SECONDS)


async def csrf(client: httpx.AsyncClient, page: str) -> str:
    response = await client.get(page)
    match = _CSRF.search(response.text)
    assert match, response.text
    return match.group(1)


async def post(client: httpx.AsyncClient, path: str, fields: dict[str, str], *, page: str) -> httpx.Response:
    return await client.post(path, data={"_csrf_token": await csrf(client, page), **fields})


async def enrol_and_log_in(client: httpx.AsyncClient, name: str) -> str:
    """First log-in: password, then the enrolment page's secret and a code. Returns the TOTP secret."""
    first = await post(
        client, "/admin/login", {"name": name, "password": OPERATOR_PASSWORD, "code": ""}, page="/admin/login"
    )
    assert first.status_code == 303 and first.headers["location"] == "/admin/enrol", first.text
    page = await client.get("/admin/enrol")
    match = _SECRET.search(page.text)
    assert match, page.text
    secret = match.group(1)
    done = await post(client, "/admin/enrol", {"code": totp.current_code(secret)}, page="/admin/enrol")
    assert done.status_code == 303 and done.headers["location"] == "/admin", done.text
    return secret


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` (its CSRF token and one-time request id)."""
    start = html.index(f'action="{action}"')
    end = html.index("</form>", start)
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html[start:end]))


class _FormReader(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form":
            self.inside = attr.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attr.get("name"):
            if attr.get("type") != "checkbox" or "checked" in attr:
                self.fields[str(attr["name"])] = attr.get("value") or ""
        elif tag == "select":
            self.select = attr.get("name")
        elif tag == "option" and self.select is not None and (self.select not in self.fields or "selected" in attr):
            self.fields[self.select] = attr.get("value") or ""  # the first option unless one is selected

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_values(html: str, action: str) -> dict[str, str]:
    """What a browser sends for the form posting to ``action`` as the page shows it: every field's value,
    ticked checkboxes only, each select's selected option."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form posts to {action}"
    return reader.fields
