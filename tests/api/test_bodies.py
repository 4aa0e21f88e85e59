"""Hostile bodies and routes (issue 13, item 9): nesting, size, counting against the right budget, 405, 404."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
import redis
from litestar import Litestar

from flashpanel.app import create_app, start, stop
from flashpanel.config import Settings
from tests.conftest import REDIS_URL
from tests.helpers import asgi_transport, assert_error

NESTED = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
JSON = {"content-type": "application/json"}


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("with_key", [True, False])
async def test_deeply_nested_json_is_a_400_without_a_traceback(
    client: httpx.AsyncClient, make_customer: Callable[..., str], caplog: pytest.LogCaptureFixture, with_key: bool
) -> None:
    params = {"key": make_customer(balance="10")} if with_key else {}
    response = await client.post("/api/v1/smm/order", params=params, content=NESTED, headers=JSON)
    assert_error(response, 400, "Malformed JSON body")
    assert ("X-RateLimit-Limit" in response.headers) is with_key
    _no_traceback(caplog)


@pytest.mark.parametrize("with_key", [True, False])
async def test_deeply_nested_json_on_v2_is_its_error_without_a_traceback(
    client: httpx.AsyncClient, make_customer: Callable[..., str], caplog: pytest.LogCaptureFixture, with_key: bool
) -> None:
    params = {"key": make_customer(balance="10")} if with_key else {}
    response = await client.post("/api/v2", params=params, content=NESTED, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"error": "Malformed JSON body"}
    assert ("X-RateLimit-Limit" in response.headers) is with_key
    _no_traceback(caplog)


async def test_a_body_over_the_default_limit_is_a_413(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="10")
    too_big = b'{"link": "' + b"a" * (1024 * 1024) + b'"}'
    response = await client.post("/api/v1/smm/order", params={"key": key}, content=too_big, headers=JSON)
    assert_error(response, 413, "at most 1048576 bytes")
    assert "X-RateLimit-Limit" in response.headers


async def test_a_body_over_the_limit_is_a_413_on_v2_in_its_own_format(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="10")
    response = await client.post("/api/v2", params={"key": key}, data={"action": "balance", "x": "a" * 1024 * 1024})
    assert response.status_code == 413, response.text
    assert response.json() == {"error": "Request body too large: at most 1048576 bytes"}
    assert "X-RateLimit-Limit" in response.headers


async def test_the_body_limit_is_a_setting(settings: Settings, make_customer: Callable[..., str]) -> None:
    small = settings.model_copy(update={"max_body_bytes": 100})
    app = create_app(small, run_worker=False)
    key = make_customer(balance="10")
    async with _client(app, small) as client:
        fits = await client.post("/api/v1/smm/order", params={"key": key}, json={"service": "1" * 50})
        over = await client.post("/api/v1/smm/order", params={"key": key}, json={"service": "1" * 100})
    assert fits.status_code != 413
    assert_error(over, 413, "at most 100 bytes")


class _client:
    """An in-process client on an app built with particular settings."""

    def __init__(self, app: Litestar, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.http = httpx.AsyncClient(
            transport=asgi_transport(app, client=("127.0.0.1", 50000)),
            base_url="http://testserver",
        )

    async def __aenter__(self) -> httpx.AsyncClient:
        if REDIS_URL:  # budgets start empty, as with the ``client`` fixture
            redis.Redis.from_url(REDIS_URL).flushdb()
        start(self.app, self.settings, run_worker=False)
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await stop(self.app)


@pytest.mark.parametrize("where", ["query", "header"])
async def test_a_malformed_body_with_a_recognised_key_counts_against_that_key(
    client: httpx.AsyncClient, make_customer: Callable[..., str], where: str
) -> None:
    key = make_customer(balance="10")
    params = {"key": key} if where == "query" else {}
    headers = {**JSON, "X-API-Key": key} if where == "header" else JSON
    first = await client.post("/api/v1/smm/order", params=params, content=b'{"service": 1,', headers=headers)
    second = await client.post("/api/v1/smm/order", params=params, content=b'{"service": 1,', headers=headers)
    assert_error(second, 400, "Malformed JSON body")
    assert int(first.headers["X-RateLimit-Remaining"]) - int(second.headers["X-RateLimit-Remaining"]) == 1


@pytest.mark.parametrize("key", [None, "not-a-key"])
async def test_a_malformed_body_without_a_usable_key_counts_against_the_address(
    settings: Settings, make_customer: Callable[..., str], key: str | None
) -> None:
    strict = settings.model_copy(update={"rate_limit_auth_failures": "3/minute"})
    app = create_app(strict, run_worker=False)
    good = make_customer(balance="10")
    params = {"key": key} if key else {}
    async with _client(app, strict) as client:
        for _ in range(3):
            refused = await client.post("/api/v1/smm/order", params=params, content=b"{", headers=JSON)
            assert_error(refused, 400, "Malformed JSON body")
            assert "X-RateLimit-Limit" not in refused.headers
        blocked = await client.get("/api/v1/balance", params={"key": good})
    assert_error(blocked, 429, "Too many invalid API keys")


async def test_a_wrong_method_carries_an_allow_header(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    response = await client.post("/api/v1/balance", params={"key": make_customer(balance="1")})
    assert_error(response, 405, "Method POST not allowed for /api/v1/balance")
    assert "GET" in response.headers["Allow"].split(", ")
    v2 = await client.put("/api/v2")
    assert_error(v2, 405)
    assert {"GET", "POST"} <= set(v2.headers["Allow"].split(", "))


@pytest.mark.parametrize(
    "path", ["/api", "/api/", "/api/v1/nope", "/api/v2/nope", "/docs/nope", "/docs/nope.json", "/metrics/nope"]
)
async def test_unknown_paths_answer_the_envelope(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert_error(response, 404, f"Not found: GET {path}")
    assert response.headers["content-type"].startswith("application/json")


async def test_a_form_missing_its_multipart_boundary_is_a_400_on_both_apis(
    client: httpx.AsyncClient, make_customer: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    key = make_customer(balance="10")
    headers = {"content-type": "multipart/form-data"}
    v1 = await client.post("/api/v1/smm/order", params={"key": key}, content=b"x", headers=headers)
    assert_error(v1, 400, "Malformed form body")
    v2 = await client.post("/api/v2", params={"key": key}, content=b"x", headers=headers)
    assert (v2.status_code, v2.json()) == (200, {"error": "Malformed form body"})
    _no_traceback(caplog)
