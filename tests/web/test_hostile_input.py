"""Hostile input to every route of the customer panel, read from the app's route table (a new page is covered
without touching this file): GET pages with hostile query and path parameters, and every form posted with a
valid CSRF token but one field hostile, missing or repeated. The visitor's pages (sign-up, log-in, the
forgotten password and its reset link) are swept logged out, the others logged in.

Whatever is sent, no answer is a 5xx or shows a traceback; a refusal is a 4xx page (the form shown again with
its error, or an error page) or a 303 within the panel with an error flash; a refused request moved no money;
and the books balance at the end. The suite runs this on SQLite and again on PostgreSQL + Redis."""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.customers import service as customers
from flashpanel.customers.accounts import issue_reset_token
from flashpanel.db.runner import Database
from flashpanel.demo import seed_catalog
from flashpanel.wallet.invariants import check_books
from flashpanel.web.errors import wants_json
from flashpanel.web.flash import FLASH_COOKIE, decode
from tests.web.support import PASSWORD, PageForms, csrf_token, money_state, sign_up

INT64_MAX = 2**63 - 1
LONG = "x" * 10_000
SESSION_COOKIE = "fp_session"
HTMX = {"HX-Request": "true"}
# Addresses to go to after a form (log-in's ``next``) that a browser would take off the site.
OFFSITE = ["//evil.example/", "/\t/evil.example", "/\r\nX-Injected: 1", "/\\evil.example"]
# Values a form field may be sent with; each is tried in each field of each form, one field at a time.
HOSTILE_FIELD = [
    "", " ", "<script>alert(1)</script>", "abc", "-1", "0", "-100.00", "1.123456789", "99999999999999999999",
    str(INT64_MAX + 1), "1e309", "NaN", "Infinity", "0x10", "\uff15", "1,000", "\x00", "a\x00b",
    "\u202e\U0001f600 ünïcødé", "' OR 1=1 --", "r" * 65, "r" * 300, LONG, str(2**31), str(INT64_MAX),
    "1|https://example.com/a|100\n" * 3, *OFFSITE,
    "e" * 250 + "@example.com", "https://example.com/" + "a" * 3000,
]  # fmt: skip
HOSTILE_QUERY = [
    "<script>alert(1)</script>", "-1", "0", "99999999999999999999", str(INT64_MAX + 1), "abc", "NaN",
    "\x00", "\u202e\U0001f600", "' OR 1=1 --", LONG, "", "1", "https://evil.example/", *OFFSITE,
]  # fmt: skip
HOSTILE_IDS = [0, -1, INT64_MAX, INT64_MAX + 1, 10**20]
HOSTILE_SEGMENTS = ["nothing-here", "x" * 300, LONG, "ünï", "<script>", "-1", "a%00b", "..%2f..%2fetc"]

# What a field holds when the page leaves it blank (a name to sign up with, an amount to type).
_counter = itertools.count(1)
BLANKS: dict[str, Callable[[], str]] = {
    "username": lambda: f"hostile{next(_counter)}",
    "email": lambda: f"hostile{next(_counter)}@example.com",
    "login": lambda: "sweeper",
    "password": lambda: PASSWORD,
    "confirm_password": lambda: PASSWORD,
    "current_password": lambda: PASSWORD,
    "new_password": lambda: PASSWORD,
    "amount": lambda: "1000.00",
    "gateway": lambda: "paystack",
    "transfer_reference": lambda: "Test Bank 0042",
    "link": lambda: "https://example.com/a-profile",
    "quantity": lambda: "1000",
    "/accounts quantity": lambda: "1",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The demo catalog on sale (simulators on) and bank transfers offered, so every form can succeed."""
    return settings.model_copy(
        update={"simulators": True, "funding_instructions": "Bank: Test Bank, account 0123456789"}
    )


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as declared: /orders/smm/{order_id:int}
    form: type[msgspec.Struct] | None  # the form a POST decodes (None: no body)
    query: tuple[str, ...]  # the query parameters a GET reads
    customer: bool  # whether it needs a logged-in customer


def panel_routes(app: Litestar) -> list[Route]:
    """Every GET and POST of the customer panel as the app's route table has them: not the API, the docs,
    the back office, static files nor the gateways' webhooks (tests/api/test_fuzz.py covers the API)."""
    admin = app.state.web.settings.admin_path
    found = []
    for route in app.routes:
        path = route.path
        if not isinstance(route, HTTPRoute) or wants_json(path) or path.startswith((admin, "/static", "/payments/")):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods & {"GET", "POST"}):
                parameters = handler.parsed_fn_signature.parameters
                data = parameters["data"].annotation if "data" in parameters else None
                path_names = set(re.findall(r"{(\w+):", path))
                skip = ("request", "viewer", "maybe_viewer", "data")
                query = tuple(n for n in parameters if n not in path_names and n not in skip)
                form = data if inspect.isclass(data) and issubclass(data, msgspec.Struct) else None
                assert data is None or form is not None, f"{path}: a body the sweep cannot fill"
                found.append(Route(method, path, form, query, "viewer" in parameters))
    return found


@dataclass
class Sweep:
    client: httpx.AsyncClient
    db: Database
    secret: bytes
    ids: dict[str, int]  # a real row for each int path parameter, by the path's line (smm, otp, accounts)
    customer_id: int | None  # the logged-in customer; None: the sweep runs logged out
    forms: dict[str, dict[str, str]] = field(default_factory=dict)  # form action -> the values it shows
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    token: str = ""

    def segments(self, path: str) -> Iterator[tuple[str, bool]]:
        """``path`` with its parameters filled: (url, whether it names something real), then hostile."""
        names = re.findall(r"{(\w+):(\w+)}", path)
        assert len(names) <= 1, f"{path}: teach the sweep two parameters"
        if not names:
            yield path, True
            return
        (name, kind), placeholder = names[0], f"{{{names[0][0]}:{names[0][1]}}}"
        if kind == "int":
            line = path.split("/")[2]
            assert line in self.ids, f"{path}: arrange a {line} order"
            yield path.replace(placeholder, str(self.ids[line])), True
            hostile = [str(i) for i in HOSTILE_IDS]
        else:
            assert name == "token", f"{path}: say what a valid {{{name}}} is"
            yield path.replace(placeholder, self.db.write_sync(issue_reset_token, customer_id=self.ids["owner"])), True
            hostile = HOSTILE_SEGMENTS
        for value in hostile:
            yield path.replace(placeholder, value), False

    async def read_page(self, url: str) -> None:
        reader = PageForms()
        reader.feed((await self.client.get(url)).text)
        for action, fields in reader.forms.items():
            self.forms.setdefault(re.sub(r"/\d+(?=/|$)", "/{id}", action), fields)

    async def send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response | None:
        before = money_state(self.db) if method == "POST" else None
        self.client.cookies.delete(FLASH_COOKIE)
        if self.customer_id is None:  # a sign-up or log-in that succeeded is undone: the sweep stays a visitor
            self.client.cookies.delete(SESSION_COOKIE)
        try:
            response = await self.client.request(method, url, **kwargs)
        except Exception as exc:  # the app raised through the transport: a 500 a browser would see
            self.failures.append(f"{method} {url[:120]} {what}: raised {exc!r}"[:400])
            return None
        self.sent += 1
        problem = self._judge(response, before)
        if problem:
            self.failures.append(f"{method} {url[:120]} {what[:120]}: {problem}")
        return response

    def _judge(self, response: httpx.Response, before: tuple[int, int] | None) -> str | None:
        """What is wrong with ``response`` (None: nothing)."""
        status = response.status_code
        if status >= 500 or "Traceback" in response.text:
            return f"{status} {response.text[:200]!r}"
        cookies = response.headers.get_list("set-cookie")
        if any(len(cookie) > 4096 for cookie in cookies):  # a browser drops such a cookie, and its message
            return f"a cookie of {max(len(c) for c in cookies)} bytes"
        if status == 303:
            location = response.headers["location"]
            # A browser drops tabs and line breaks from an address: "/\t/evil.example" is another site.
            if not location.startswith("/") or re.sub(r"[\t\r\n]", "", location).startswith(("//", "/\\")):
                return f"303 out of the panel: {location[:120]}"
            flashes = decode(self.secret, response.cookies.get(FLASH_COOKIE) or "")
            refused = any(f.level == "error" for f in flashes)
        elif status in (200, 201):
            refused = False
        elif 400 <= status < 500:
            refused = True
        else:
            return f"unexpected status {status}"
        if refused and before is not None and money_state(self.db) != before:
            return f"refused ({status}) but money moved: {before} -> {money_state(self.db)}"
        return None

    def form(self, route: Route) -> dict[str, str]:
        """A valid-looking form for ``route``: what its page shows, blanks filled."""
        assert route.form is not None
        shown = self.forms.get(re.sub(r"{\w+:\w+}", "{id}", route.path), {})
        fields: dict[str, str] = {}
        for info in msgspec.structs.fields(route.form):
            value = shown.get(info.name, "")
            blank = BLANKS.get(f"{route.path} {info.name}") or BLANKS.get(info.name)
            if not value and blank:
                value = blank()
            if info.name == "orders":  # a mass order: one line of a service on sale
                value = f"{self.ids['service']}|https://example.com/mass|100"
            if value or info.required:
                fields[info.name] = value
        return fields

    async def post_form(
        self, url: str, fields: dict[str, str] | list[tuple[str, str]], what: str, *, htmx: bool = False
    ) -> None:
        items = list(fields.items()) if isinstance(fields, dict) else fields
        body = urlencode([("_csrf_token", self.token), *items])
        headers = {"content-type": "application/x-www-form-urlencoded", **(HTMX if htmx else {})}
        await self.send("POST", url, what, content=body, headers=headers)

    def passed(self) -> None:
        books = self.db.read_sync(check_books)
        assert books.ok, books.violations
        assert not self.failures, f"{len(self.failures)} of {self.sent}:\n" + "\n".join(self.failures[:60])


async def run_sweep(run: Sweep, routes: list[Route]) -> None:
    """Every page with hostile path and query parameters, then every form with one hostile field at a time."""
    for route in routes:
        if route.method == "GET":
            for url, real in run.segments(route.path):
                await run.send("GET", url, "path")
                if real:
                    await run.read_page(url)
                    for name in (*route.query, "unknown"):
                        for value in HOSTILE_QUERY:
                            await run.send("GET", url, f"{name}={value[:30]!r}", params={name: value})
                            what = f"htmx {name}={value[:30]!r}"  # the fragment the page swaps in
                            await run.send("GET", url, what, params={name: value}, headers=HTMX)
                        await run.send("GET", url, f"{name} repeated", params=[(name, "1"), (name, "2")])
    run.token = await csrf_token(run.client, "/login" if run.customer_id is None else "/profile")
    for route in routes:
        if route.method != "POST" or (route.path == "/logout" and run.customer_id is not None):
            continue
        for url, real in run.segments(route.path):
            if route.form is None:
                await run.post_form(url, {"junk": "<script>"}, "no fields")
                continue
            await run.post_form(url, run.form(route), "as shown")
            if real:
                await _hostile_fields(run, route)
                await _odd_bodies(run, next(run.segments(route.path))[0])


async def _hostile_fields(run: Sweep, route: Route) -> None:
    """Each field of ``route``'s form hostile in turn, the others valid, each post to a fresh real address
    (a reset link works once)."""
    assert route.form is not None

    def real() -> str:
        return next(run.segments(route.path))[0]

    for info in msgspec.structs.fields(route.form):
        name = info.name
        for value in HOSTILE_FIELD:
            await run.post_form(real(), {**run.form(route), name: value}, f"{name}={value[:30]!r}")
            # As htmx sends it: some forms answer with the fragment they swap in place of the page.
            await run.post_form(real(), {**run.form(route), name: value}, f"htmx {name}={value[:30]!r}", htmx=True)
        without = {k: v for k, v in run.form(route).items() if k != name}
        await run.post_form(real(), without, f"{name} missing")
        fields = run.form(route)
        await run.post_form(real(), [*fields.items(), (name, fields.get(name) or "1")], f"{name} repeated")
        await run.post_form(real(), [*fields.items(), (name, "x"), (name, LONG)], f"{name} as a list")


async def _odd_bodies(run: Sweep, url: str) -> None:
    """Bodies no form of the panel sends: another encoding, bytes that are not text, broken escapes."""
    csrf = {"x-csrftoken": run.token}
    form = {**csrf, "content-type": "application/x-www-form-urlencoded"}
    await run.send("POST", url, "multipart", headers=csrf, data={"email": "a\x00b"}, files={"f": ("a.txt", b"x")})
    await run.send("POST", url, "json", headers=csrf, json={"email": ["a"], "amount": 1})
    await run.send("POST", url, "not text", headers=form, content=b"email=\xff\xfe&amount=\xc3")
    await run.send("POST", url, "broken escapes", headers=form, content=b"a=%ZZ&&=&email=%00&%")
    await run.send("POST", url, "no body", headers={**csrf, "content-type": "text/plain"}, content=b"")


def _arrange(db: Database, settings: Settings) -> dict[str, int]:
    """The demo catalog on sale, and uma, for whom the sweep issues password reset links."""
    db.write_sync(seed_catalog, secrets=open_secret_box(settings.secret_key_file))
    db.write_sync(customers.create_customer, name="uma", initial_balance=Decimal(0))
    service = db.read_sync(lambda conn: conn.scalar("SELECT MIN(id) FROM smm_services WHERE active"))
    return {"owner": db.read_sync(customers.customer_id_by_name, name="uma"), "service": int(service or 0)}


async def _order(client: httpx.AsyncClient, page: str, fields: dict[str, str]) -> int:
    """Place an order through its form as the page shows it (``fields`` filling the blanks): its id."""
    reader = PageForms()
    reader.feed((await client.get(page)).text)
    shown = {k: v for k, v in reader.forms[page].items() if v}
    response = await client.post(page, data={**fields, **shown})
    assert response.status_code == 303, response.text[:2000]
    return int(response.headers["location"].rsplit("/", 1)[1])


@pytest.fixture
async def customer_sweep(client: httpx.AsyncClient, app: Litestar, db: Database, settings: Settings) -> Sweep:
    ids = _arrange(db, settings)
    await sign_up(client, "sweeper")
    customer = db.read_sync(customers.customer_id_by_name, name="sweeper")
    db.write_sync(customers.top_up, name="sweeper", amount=Decimal("10000000"), note="the hostile sweep's budget")
    ids["smm"] = await _order(client, "/smm", {"link": "https://example.com/a-profile", "quantity": "1000"})
    ids["otp"] = await _order(client, "/otp", {})
    ids["accounts"] = await _order(client, "/accounts", {"quantity": "1"})
    return Sweep(client, db, app.state.web.secret, ids, customer)


async def test_every_customer_page_and_form_survives_hostile_input(customer_sweep: Sweep, app: Litestar) -> None:
    routes = [r for r in panel_routes(app) if r.customer]
    assert len([r for r in routes if r.method == "GET"]) >= 12 and len([r for r in routes if r.method == "POST"]) >= 11
    await run_sweep(customer_sweep, routes)
    # Valid forms went through too (an order between hostile ones), so each field was also tried on the path
    # that writes; the log-out, last, ends the session whatever it is sent.
    orders = customer_sweep.db.read_sync(lambda conn: conn.scalar("SELECT COUNT(*) FROM smm_orders"))
    assert int(orders or 0) >= 10
    await customer_sweep.post_form("/logout", {"next": LONG, "x": "<script>"}, "junk fields")
    assert (await customer_sweep.client.get("/profile")).headers["location"] == "/login?next=/profile"
    customer_sweep.passed()


async def test_every_visitor_page_and_form_survives_hostile_input(
    client: httpx.AsyncClient, app: Litestar, db: Database, settings: Settings
) -> None:
    ids = _arrange(db, settings)
    await sign_up(client, "sweeper")  # the log-in form's valid login
    client.cookies.delete(SESSION_COOKIE)
    routes = [r for r in panel_routes(app) if not r.customer]
    assert {r.path for r in routes} >= {"/", "/signup", "/login", "/forgot", "/reset/{token:str}"}
    # A customer's pages, asked for logged out, send to the log-in page with the address to come back to.
    routes += [r for r in panel_routes(app) if r.customer and r.method == "GET" and "{" not in r.path]
    run = Sweep(client, db, app.state.web.secret, ids, None)
    await run_sweep(run, routes)
    signed_up = db.read_sync(lambda conn: conn.scalar("SELECT COUNT(*) FROM customers"))
    assert int(signed_up or 0) >= 5  # valid sign-ups went through between the hostile ones
    run.passed()


async def test_a_nul_character_is_a_400_and_an_order_id_past_64_bits_is_a_404(customer_sweep: Sweep) -> None:
    client = customer_sweep.client
    refused = await client.get("/orders", params={"tab": "smm", "q": "a\x00b"})
    assert refused.status_code == 400 and "NUL character" in refused.text
    token = await csrf_token(client, "/profile")
    posted = await client.post("/profile/email", data={"_csrf_token": token, "email": "a\x00b@example.com"})
    assert posted.status_code == 400 and "NUL character" in posted.text
    missing = await client.get(f"/orders/smm/{INT64_MAX + 1}")
    assert missing.status_code == 404 and "There is no page at this address." in missing.text
    malformed = await client.get("/wallet", params={"before": INT64_MAX + 1})
    assert malformed.status_code == 400


async def test_a_log_in_asked_to_go_elsewhere_stays_on_the_panel(client: httpx.AsyncClient) -> None:
    await sign_up(client, "wanderer")
    for target in OFFSITE:
        client.cookies.delete(SESSION_COOKIE)
        token = await csrf_token(client, "/login")
        fields = {"_csrf_token": token, "login": "wanderer", "password": PASSWORD, "next": target}
        location = (await client.post("/login", data=fields)).headers["location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert not re.search(r"[\t\r\n\\]", location), location  # what is left is encoded: a path on this site
