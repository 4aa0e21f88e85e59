"""The access log: one line per request, and no form of an API key in any log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from flashpanel.api.access_log import AccessLog, request_path
from flashpanel.app import start, stop
from tests.conftest import app_settings
from tests.helpers import asgi_transport


@pytest.fixture
async def logged_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app as `flashpanel serve` runs it: behind the access log."""
    start(app, app_settings(app), run_worker=False)
    transport = asgi_transport(AccessLog(app), client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await stop(app)


async def test_no_spelling_of_a_key_reaches_any_log_line(
    logged_client: httpx.AsyncClient, make_customer: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    key = make_customer(balance="10")
    caplog.set_level(logging.DEBUG)  # every logger, every level
    requests: list[tuple[str, str, dict[str, Any], int]] = [
        ("GET", f"/api/v1/balance?%6Bey={key}", {}, 200),
        ("GET", f"/api/v1/balance?k%65y={key}", {}, 200),
        ("GET", f"/api/v1/balance?key={key}&key=another", {}, 200),
        ("GET", f"/api/v1/balance?key=another&%6B%65%79={key}", {}, 401),
        ("GET", "/api/v1/balance", {"headers": {"X-Api-Key": key}}, 200),
        ("GET", "/api/v1/balance", {"headers": {"Authorization": f"Bearer {key}"}}, 200),
        ("POST", "/api/v2", {"data": {"key": key, "action": "balance"}}, 200),
        ("POST", "/api/v2", {"json": {"key": key, "action": "balance"}}, 200),
        ("POST", "/api/v2", {"json": {"key": key, "action": "add", "service": "x"}}, 200),
        ("POST", "/api/v1/smm/order", {"params": {"key": key}, "content": b"{not json"}, 400),
        ("POST", "/api/v1/smm/order", {"json": {"key": key, "service": 1, "quantity": "lots"}}, 400),
        ("GET", f"/api/v1/no-such-path?key={key}", {}, 404),
    ]
    for method, url, options, status in requests:
        response = await logged_client.request(method, url, **options)
        assert response.status_code == status, (url, response.text)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test client
    leaked = [r.getMessage() for r in server_side if key in r.getMessage() or key in (r.exc_text or "")]
    assert leaked == []
    access = [r.getMessage() for r in caplog.records if r.name == "flashpanel.access"]
    assert len(access) == len(requests)
    assert all("?" not in line for line in access)
    assert access[0].startswith('127.0.0.1:50000 - "GET /api/v1/balance" 200 ')
    assert access[-1].startswith('127.0.0.1:50000 - "GET /api/v1/no-such-path" 404 ')


async def test_an_access_line_has_the_method_path_status_and_time(
    logged_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="flashpanel.access")
    await logged_client.get("/healthz")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "flashpanel.access"]
    client, request, status, took = line.split(" ", 2)[0], line.split('"')[1], line.split('"')[2].split()[0], line
    assert (client, request, status) == ("127.0.0.1:50000", "GET /healthz", "200")
    assert took.endswith("ms")


def test_the_logged_path_is_the_one_sent_and_never_carries_a_line_break() -> None:
    scope = {"path": "/api/v1/x\n forged line", "raw_path": b"/api/v1/x%0A%20forged%20line?key=s3cret"}
    assert request_path(scope) == "/api/v1/x%0A%20forged%20line"
    assert request_path({"path": "/api/v1/x\n forged line"}) == "/api/v1/x%0A%20forged%20line"


def test_the_token_of_a_password_reset_link_never_reaches_the_access_log() -> None:
    assert request_path({"path": "/reset/Abc-123_x", "raw_path": b"/reset/Abc-123_x?a=1"}) == "/reset/[redacted]"
    assert request_path({"path": "/reset/Abc-123_x"}) == "/reset/[redacted]"
    assert request_path({"path": "/wallet/reset/x"}) == "/wallet/reset/x"


async def test_served_lines_are_written_in_batches_and_flushed_when_the_server_stops() -> None:
    import io

    from flashpanel.api.access_log import BufferedLines

    stream = io.StringIO()
    lines = BufferedLines(stream, interval=60)  # no timer fires during this test
    lines.write("first")
    lines.write("second")
    assert stream.getvalue() == ""  # batched, not one write per request

    async def app(scope: dict[str, object], receive: object, send: Callable[..., object]) -> None:
        await send({"type": "lifespan.shutdown.complete"})  # type: ignore[misc]

    async def send(message: dict[str, object]) -> None:
        pass

    await AccessLog(app, lines)({"type": "lifespan"}, None, send)
    assert stream.getvalue() == "INFO:     first\nINFO:     second\n"


def test_a_full_batch_is_written_at_once() -> None:
    import io

    from flashpanel.api.access_log import BufferedLines

    stream = io.StringIO()
    lines = BufferedLines(stream, interval=60, max_lines=2)
    lines.write("a")
    lines.write("b")
    assert stream.getvalue().splitlines() == ["INFO:     a", "INFO:     b"]
