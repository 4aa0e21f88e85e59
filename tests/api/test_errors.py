"""Every failure uses the one envelope; the framework's own error shapes never leak."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from flashpanel.app import create_app
from flashpanel.config import Settings
from tests.helpers import assert_error


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/does-not-exist"), 404, "not found")


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer(balance="1")
    response = await client.post("/api/v1/balance", params={"key": key})
    assert_error(response, 405, "not allowed")


async def test_unexpected_error_is_a_bare_500_without_internals(settings: Settings) -> None:
    @get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app = create_app(settings, run_worker=False)
    app.register(boom)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/boom")
    assert_error(response, 500)
    assert response.json()["error"] == "Internal server error"
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_health_check(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/docs/openapi.json")).json()
    assert "/api/v1/balance" in schema["paths"]


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
async def test_metrics_are_not_served_on_the_api_port(client: httpx.AsyncClient, path: str) -> None:
    # Metrics have their own listener (`serve --metrics-port`): a proxy rule cannot miss a spelling.
    assert_error(await client.get(path), 404, "not found")
