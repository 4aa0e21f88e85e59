"""Hostile input to every route of the back office, read from the app's route table (a new route is covered
without touching this file): GET pages with hostile query and path parameters, and every form posted with a
valid CSRF token and a fresh request id but one field hostile, missing, repeated or a list.

Whatever is sent, no answer is a 5xx or shows a traceback; a refusal is a 4xx page or a 303 back into the
back office with an error flash; a refused request moved no money; and the books balance at the end.
The suite runs this on SQLite and again on PostgreSQL + Redis."""

from __future__ import annotations

import inspect
import itertools
import re
import secrets
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

from flashpanel.admin import stock
from flashpanel.admin.audit import Actor
from flashpanel.config import Settings
from flashpanel.db.runner import Conn, Database
from flashpanel.payments.manual import submit_transfer
from flashpanel.wallet.invariants import check_books
from flashpanel.web.flash import FLASH_COOKIE, decode
from tests.admin.conftest import customer_id
from tests.admin.support import OPERATOR_PASSWORD, csrf, enrol_and_log_in, make_operator
from tests.web.support import PageForms, money_state

INT64_MAX = 2**63 - 1
LONG = "x" * 10_000
# Values a form field may be sent with; each is tried in each field of each form, one field at a time.
HOSTILE_FIELD = [
    "", " ", "<script>alert(1)</script>", "abc", "-1", "0", "-100.00", "1.123456789", "99999999999999999999",
    "1e309", "NaN", "Infinity", "-Infinity", "0x10", "\uff15", "1,000", "2026-13-45", "\x00", "a\x00b",
    "\u202e\U0001f600 ünïcødé", "' OR 1=1 --", "r" * 65, "r" * 200, LONG, str(2**31), str(INT64_MAX),
]  # fmt: skip
HOSTILE_QUERY = [
    "<script>alert(1)</script>", "2026-13-45", "-1", "0", "99999999999999999999", str(INT64_MAX + 1), "abc",
    "\x00", "\u202e\U0001f600", "' OR 1=1 --", LONG, "", "1",
]  # fmt: skip
HOSTILE_LIST = ["abc", "", "-1", "0", str(INT64_MAX + 1), "99999999999999999999", "1,2", "1.5", LONG]
HOSTILE_IDS = [0, -1, INT64_MAX, INT64_MAX + 1, 99999999999999999999]
HOSTILE_SEGMENTS = ["nothing-here", "x" * 300, "ünï", "<script>", "-1"]
# A valid value for a string path parameter, by its name: the routes' own words, not a list of routes.
SEGMENTS = {
    "line": ["smm", "otp", "accounts"],
    "verb": ["enable", "disable", "update", "import", "sync", "balance", "map", "unmap", "reset-2fa"],
    "kind": ["otp-country", "otp-service", "accounts-category", "accounts-product"],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"funding_instructions": "Bank: Test Bank, account 0123456789"})


@dataclass
class Shop:
    """What the hostile requests act on: ids of real rows for int path parameters, names for str ones."""

    ids: dict[str, int]
    names: dict[str, str]


def _arrange(db: Database, settings: Settings, smm_order: Callable[..., int], otp_order: Callable[..., int]) -> Shop:
    ids = {"order_id": smm_order("ada"), "customer_id": customer_id(db, "ada")}
    otp_id = otp_order("ada")

    def catalog(conn: Conn) -> dict[str, int]:
        if conn.is_postgres:  # the OTP order's fixture inserts its country and service with fixed ids
            for table in ("otp_countries", "otp_services"):
                conn.scalar(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        category = conn.scalar("INSERT INTO account_categories (name) VALUES ('Mail') RETURNING id")
        product_id = int(
            conn.scalar(
                "INSERT INTO account_products (category_id, name, price_cents, created_at) "
                "VALUES (?, 'Box', 100, 0) RETURNING id",
                (category,),
            )
        )
        actor = Actor("cli:test", "owner")
        job_id = stock.start_import(conn, actor=actor, product_id=product_id, total_lines=1, file_name="f")
        service_id = conn.scalar("SELECT MIN(id) FROM smm_services")
        return {"product_id": product_id, "job_id": job_id, "service_id": int(service_id or 0)}

    ids.update(db.write_sync(catalog))
    topup = db.write_sync(
        submit_transfer,
        settings=settings,
        customer_id=ids["customer_id"],
        amount=Decimal("5000"),
        transfer_reference="Test Bank 0042",
    )
    ids["topup_id"] = topup.id
    ids["otp_order_id"] = otp_id
    make_operator(db, "bob", role="support")
    provider = db.read_sync(lambda conn: conn.scalar("SELECT MIN(name) FROM providers"))
    return Shop(ids=ids, names={"name": str(provider), "operator": "bob"})


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as declared: /admin/orders/{line:str}/{order_id:int}
    form: type[msgspec.Struct] | None  # the form a POST decodes (None: a multipart upload, or no body)
    multipart: bool
    query: tuple[str, ...]  # the query parameters a GET reads


def admin_routes(app: Litestar, prefix: str) -> list[Route]:
    """Every GET and POST of the back office, as the app's route table has them (log-out aside)."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not (route.path == prefix or route.path.startswith(prefix + "/")):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods & {"GET", "POST"}):
                if route.path == f"{prefix}/logout":
                    continue
                parameters = handler.parsed_fn_signature.parameters
                data = parameters["data"].annotation if "data" in parameters else None
                path_names = set(re.findall(r"{(\w+):", route.path))
                query = tuple(
                    n for n in parameters if n not in path_names and n not in ("request", "me", "data", "scope")
                )
                form = data if inspect.isclass(data) and issubclass(data, msgspec.Struct) else None
                found.append(Route(method, route.path, form, data is not None and form is None, query))
    return found


def _fill(path: str, shop: Shop) -> Iterator[tuple[str, bool]]:
    """``path`` with its parameters filled: (url, whether every parameter names something real). One
    parameter at a time is made hostile; the valid combinations of str parameters are all tried."""
    names = re.findall(r"{(\w+):(\w+)}", path)

    def valid(name: str, kind: str) -> list[str]:
        if kind == "int":
            key = "otp_order_id" if name == "order_id" and "/otp/" in path else name
            assert key in shop.ids, f"{path}: arrange a row for {{{name}}} in _arrange"
            return [str(shop.ids[key])]
        if name == "name":
            return [shop.names["operator" if "/operators/" in path else "name"]]
        assert name in SEGMENTS, f"{path}: add the valid values of {{{name}}} to SEGMENTS"
        return SEGMENTS[name]

    def hostile(kind: str) -> list[str]:
        return [str(i) for i in HOSTILE_IDS] if kind == "int" else HOSTILE_SEGMENTS

    def build(values: dict[str, str]) -> str:
        url = path
        for name, kind in names:
            url = url.replace(f"{{{name}:{kind}}}", values[name])
        return url

    for combo in itertools.product(*(valid(n, k) for n, k in names)):
        yield build(dict(zip([n for n, _ in names], combo, strict=True))), True
    base = {n: valid(n, k)[0] for n, k in names}
    for name, kind in names:
        for value in hostile(kind):
            yield build({**base, name: value}), False


# What a field holds when the page leaves it blank (a new thing's name, an amount to type).
_counter = itertools.count(1)
BLANKS: dict[str, Callable[[], str]] = {
    "amount": lambda: "1.00",
    "note": lambda: "checked by the hostile-input test",
    "username": lambda: f"hostile{next(_counter)}",
    "name": lambda: f"hostile{next(_counter)}",
    "code": lambda: "ZZ",
    "password": lambda: OPERATOR_PASSWORD,
    "password_again": lambda: OPERATOR_PASSWORD,
    "price": lambda: "1.00",
    "rate": lambda: "1.00",
    "markup": lambda: "10",
    "unit_cost": lambda: "0.50",
    "remains": lambda: "10",
    "category": lambda: "Hostile",
    "country": lambda: "TL",  # the OTP order's country (tests/admin/conftest.py)
    "upstream_country": lambda: "tl",
    "upstream_service": lambda: f"up{next(_counter)}",
    "url": lambda: "https://provider.example/api/v2",
    "api_key": lambda: "a provider key",
}


@dataclass
class Sweep:
    client: httpx.AsyncClient
    db: Database
    secret: bytes
    token: str
    routes: list[Route]
    forms: dict[str, dict[str, str]] = field(default_factory=dict)  # form action -> the values it shows
    pages: dict[str, str] = field(default_factory=dict)  # a form with hidden state -> the page that shows it
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    async def read_page(self, url: str, *, again: bool = False) -> None:
        """Learn the forms ``url`` shows; ``again``: after a change, so that a form with hidden state
        carries what the page shows now (a customer's balance as seen, which a credit changed)."""
        reader = PageForms()
        reader.feed((await self.client.get(url)).text)
        for action, fields in reader.forms.items():
            if again or action not in self.forms:
                self.forms[action] = fields
                if action in reader.stateful:
                    self.pages[action] = url

    async def send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response | None:
        before = money_state(self.db) if method == "POST" else None
        self.client.cookies.delete(FLASH_COOKIE)
        try:
            response = await self.client.request(method, url, **kwargs)
        except Exception as exc:  # the app raised through the transport: a 500 a browser would see
            self.failures.append(f"{method} {url} {what}: raised {exc!r}"[:400])
            return None
        self.sent += 1
        problem, refused = self._judge(response, before)
        if problem:
            self.failures.append(f"{method} {url[:120]} {what[:120]}: {problem}")
        elif method == "POST" and not refused and url in self.pages:
            await self.read_page(self.pages[url], again=True)
        return response

    def _judge(self, response: httpx.Response, before: tuple[int, int] | None) -> tuple[str | None, bool]:
        """What is wrong with ``response`` (None: nothing), and whether it refused the request."""
        status = response.status_code
        if status >= 500 or "Traceback" in response.text:
            return f"{status} {response.text[:200]!r}", True
        cookies = response.headers.get_list("set-cookie")
        if any(len(cookie) > 4096 for cookie in cookies):  # a browser drops such a cookie, and its message
            return f"a cookie of {max(len(c) for c in cookies)} bytes", True
        if status == 303:
            if not response.headers["location"].startswith("/admin"):
                return f"303 out of the back office: {response.headers['location']}", True
            flashes = decode(self.secret, response.cookies.get(FLASH_COOKIE) or "")
            refused = any(f.level == "error" for f in flashes)
        elif status in (200, 204):
            refused = False
        elif 400 <= status < 500:
            refused = True
        else:
            return f"unexpected status {status}", True
        if refused and before is not None and money_state(self.db) != before:
            return f"refused ({status}) but money moved: {before} -> {money_state(self.db)}", True
        return None, refused

    def form(self, route: Route, url: str) -> dict[str, str]:
        """A valid-looking form for ``url``: what its page shows, blanks filled, a fresh request id."""
        assert route.form is not None
        shown = self.forms.get(url, {})
        fields: dict[str, str] = {}
        for info in msgspec.structs.fields(route.form):
            value = shown.get(info.name, "")
            if not value and info.name in BLANKS:
                value = BLANKS[info.name]()
            if value or info.required:
                fields[info.name] = value
        fields["request_id"] = secrets.token_urlsafe(18)
        return fields

    async def post_form(self, url: str, fields: dict[str, str] | list[tuple[str, str]], what: str) -> None:
        items = list(fields.items()) if isinstance(fields, dict) else fields
        body = urlencode([("_csrf_token", self.token), *items])
        await self.send("POST", url, what, content=body, headers={"content-type": "application/x-www-form-urlencoded"})


@pytest.fixture
async def sweep(
    client: httpx.AsyncClient,
    app: Litestar,
    db: Database,
    settings: Settings,
    smm_order: Callable[..., int],
    waiting_otp_order: Callable[..., int],
) -> tuple[Sweep, Shop, list[Route]]:
    shop = _arrange(db, settings, smm_order, waiting_otp_order)
    make_operator(db, "root")
    await enrol_and_log_in(client, "root")
    routes = admin_routes(app, settings.admin_path)
    sweep = Sweep(client, db, app.state.web.secret, await csrf(client, "/admin/customers"), routes)
    for route in routes:
        if route.method == "GET":
            for url, real in _fill(route.path, shop):
                if real:
                    await sweep.read_page(url)
    return sweep, shop, routes


def admin_form(run: Sweep, url: str) -> Route:
    """The route a concrete form address posts to (its declared path's parameters matched)."""
    for route in run.routes:
        pattern = re.sub(r"{\w+:\w+}", r"[^/]+", route.path)
        if route.method == "POST" and re.fullmatch(pattern, url):
            return route
    raise AssertionError(f"no form posts to {url}")


def _passed(sweep: Sweep) -> None:
    books = sweep.db.read_sync(check_books)
    assert books.ok, books.violations
    assert not sweep.failures, f"{len(sweep.failures)} of {sweep.sent}:\n" + "\n".join(sweep.failures[:60])


async def test_every_page_survives_hostile_query_and_path_parameters(sweep: tuple[Sweep, Shop, list[Route]]) -> None:
    run, shop, routes = sweep
    pages = [r for r in routes if r.method == "GET"]
    assert len(pages) >= 15
    for route in pages:
        for url, real in _fill(route.path, shop):
            await run.send("GET", url, "path")
            if not real:
                continue
            for name in (*route.query, "unknown"):
                for value in HOSTILE_QUERY:
                    await run.send("GET", url, f"{name}={value[:30]!r}", params={name: value})
                await run.send("GET", url, f"{name} repeated", params=[(name, "1"), (name, "2")])
    _passed(run)


async def test_every_form_survives_hostile_fields(sweep: tuple[Sweep, Shop, list[Route]]) -> None:
    run, shop, routes = sweep
    forms = [r for r in routes if r.method == "POST"]
    assert len(forms) >= 25
    for route in forms:
        for url, real in _fill(route.path, shop):
            if route.multipart:
                await _upload(run, url, product_id=str(shop.ids["product_id"]))
                continue
            if route.form is None:
                await run.post_form(url, {}, "no fields")
                continue
            await run.post_form(url, run.form(route, url), "as shown")
            if not real:
                continue
            for info in msgspec.structs.fields(route.form):
                name = info.name
                values = HOSTILE_LIST if "list" in str(info.type) else HOSTILE_FIELD
                for value in values:
                    await run.post_form(url, {**run.form(route, url), name: value}, f"{name}={value[:30]!r}")
                without = {k: v for k, v in run.form(route, url).items() if k != name}
                await run.post_form(url, without, f"{name} missing")
                fields = run.form(route, url)
                repeated = [*fields.items(), (name, fields.get(name) or "1")]
                await run.post_form(url, repeated, f"{name} repeated")
    # The forms were valid but for the hostile field: changes went through too (a credit's form keeps the
    # balance its page shows after each one), so each field was also tried on the path that writes.
    adjustments = "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'adjustment'"
    assert int(run.db.read_sync(lambda conn: conn.scalar(adjustments)) or 0) >= 20
    # Log-out last: whatever it is sent, it ends the session and goes back to the log-in page.
    await run.post_form("/admin/logout", {"request_id": "r" * 200, "next": LONG, "x": "<script>"}, "junk fields")
    assert (await run.client.get("/admin")).headers["location"] == "/admin/login"
    _passed(run)


async def _upload(run: Sweep, url: str, *, product_id: str) -> None:
    """The stock upload (multipart): hostile product ids, request ids, files and file names."""
    files = [b"user:pw\n", b"", b"\xff\xfe", b"\x00" * 100, ("a" * 10_000 + "\n").encode()]
    for product, request_id, content, file_name in itertools.chain(
        ((product_id, secrets.token_urlsafe(18), body, "stock.txt") for body in files),
        ((v, secrets.token_urlsafe(18), files[0], "stock.txt") for v in HOSTILE_FIELD),
        ((product_id, v, files[0], "stock.txt") for v in HOSTILE_FIELD if v),
        ((product_id, secrets.token_urlsafe(18), files[0], v) for v in HOSTILE_FIELD if v),
    ):
        data = {"_csrf_token": run.token, "product_id": product, "request_id": request_id}
        what = f"upload product_id={product[:20]!r} request_id={request_id[:20]!r} file={file_name[:20]!r}"
        await run.send("POST", url, what, data=data, files={"file": (file_name, content, "text/plain")})
    await run.send("POST", url, "upload without a file", data={"_csrf_token": run.token, "product_id": product_id})


async def test_a_credit_with_an_overlong_request_id_is_refused_at_decoding_and_writes_nothing(
    sweep: tuple[Sweep, Shop, list[Route]], db: Database
) -> None:
    run, shop, _ = sweep
    owner = shop.ids["customer_id"]

    def rows(table: str, column: str, value: object) -> int:
        sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        return int(db.read_sync(lambda conn: conn.scalar(sql, (value,))) or 0)

    ledger_before = rows("ledger_entries", "customer_id", owner)
    url = f"/admin/customers/{owner}/adjust"
    fields = {**run.form(admin_form(run, url), url), "request_id": "r" * 200}
    body = urlencode([("_csrf_token", run.token), *fields.items()])
    response = await run.client.post(url, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, response.text
    assert "incomplete or malformed" in response.text
    assert rows("ledger_entries", "customer_id", owner) == ledger_before
    assert rows("audit_log", "request_id", "r" * 200) == 0


async def test_a_nul_character_is_a_400_and_an_id_past_64_bits_is_a_404(sweep: tuple[Sweep, Shop, list[Route]]) -> None:
    run, shop, _ = sweep
    refused = await run.client.get("/admin/customers", params={"q": "a\x00b"})
    assert refused.status_code == 400 and "NUL character" in refused.text
    missing = await run.client.get(f"/admin/customers/{INT64_MAX + 1}")
    assert missing.status_code == 404 and "no page at this address" in missing.text
    malformed = await run.client.get(f"/admin/customers/{shop.ids['customer_id']}", params={"before": INT64_MAX + 1})
    assert malformed.status_code == 400


async def test_a_refusal_quoting_a_10_kb_value_still_fits_its_flash_cookie(
    sweep: tuple[Sweep, Shop, list[Route]],
) -> None:
    run, _, _ = sweep
    fields = [("_csrf_token", run.token), ("request_id", secrets.token_urlsafe(18)), ("name", "Mail"), ("price", LONG)]
    fields += [("category_id", "1")]
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = await run.client.post("/admin/catalog/new/accounts-product", content=urlencode(fields), headers=headers)
    assert response.status_code == 303
    [flash] = decode(run.secret, response.cookies[FLASH_COOKIE])
    assert flash.level == "error" and flash.text.startswith("Price") and len(flash.text) <= 400
