"""Hostile integers (issue 13, item 8): ``--5``, ``+-5``, values past signed 64 bits, 5,000 digits, ``1e309``.

Every id, quantity, page and limit of /api/v1 and /api/v2, sent in the query string, a form or a JSON body
(as a string, and as a raw JSON number), is answered with a 400 naming the parameter, or with the endpoint's
own answer for an id that names nothing; never with a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from flashpanel.config import Settings
from tests.api.endpoints import BEYOND_64_BITS, MALFORMED_INTEGERS, V1, V2, Endpoint, Shop, roomy


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return roomy(settings)


def _cases(endpoints: tuple[Endpoint, ...], *, with_body: bool = False) -> list[tuple[Endpoint, str]]:
    return [
        (endpoint, name)
        for endpoint in endpoints
        if endpoint.method == "POST" or not with_body
        for name in endpoint.integers
    ]


async def _send(
    client: httpx.AsyncClient, endpoint: Endpoint, params: dict[str, object], key: str, how: str, name: str, raw: str
) -> httpx.Response:
    """Send ``params`` with ``name`` set to ``raw``: in the query string, a form, a JSON string or a raw JSON value."""
    if how == "query" or endpoint.method == "GET":
        query = {**{k: str(v) for k, v in params.items()}, "key": key, name: raw}
        return await client.request(endpoint.method, endpoint.path, params=query)
    if how == "form":
        form = {k: str(v) for k, v in {**params, name: raw}.items()}
        return await client.post(endpoint.path, params={"key": key}, data=form)
    body = json.dumps({k: v for k, v in params.items() if k != name})
    value = json.dumps(raw) if how == "json-string" else raw
    content = body[:-1] + (", " if len(body) > 2 else "") + f'"{name}": {value}' + "}"
    return await client.post(
        endpoint.path, params={"key": key}, content=content.encode(), headers={"content-type": "application/json"}
    )


def _expect(response: httpx.Response, endpoint: Endpoint, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    if endpoint.action:
        assert set(body) == {"error"}, body
        assert message in body["error"], body
    else:
        assert body["success"] is False and message in body["error"], body
    assert "X-RateLimit-Limit" in response.headers  # a recognised key: every answer carries its budget


def _transports(endpoint: Endpoint) -> tuple[str, ...]:
    return ("query",) if endpoint.method == "GET" else ("query", "form", "json-string", "json-raw")


@pytest.mark.parametrize(("endpoint", "name"), _cases(V1 + V2), ids=lambda c: c.name if isinstance(c, Endpoint) else c)
async def test_integers_past_64_bits_are_refused_or_not_found_never_a_500(
    client: httpx.AsyncClient, make_customer: Callable[..., str], shop: Shop, endpoint: Endpoint, name: str
) -> None:
    key = make_customer(balance="1000")
    status, message = endpoint.integers[name]
    for how in _transports(endpoint):  # json-raw: the same digits as a JSON number
        for value in BEYOND_64_BITS:
            response = await _send(client, endpoint, endpoint.valid(shop), key, how, name, value)
            _expect(response, endpoint, status, message.format(name=name))


@pytest.mark.parametrize(("endpoint", "name"), _cases(V1 + V2), ids=lambda c: c.name if isinstance(c, Endpoint) else c)
async def test_malformed_integers_are_a_400_naming_the_parameter(
    client: httpx.AsyncClient, make_customer: Callable[..., str], shop: Shop, endpoint: Endpoint, name: str
) -> None:
    """v1 refuses them naming the parameter; v2 answers an id that is not one as it answers an unknown id."""
    key = make_customer(balance="1000")
    status, message = endpoint.integers[name]
    if not endpoint.action:
        status, message = 400, "Invalid parameter '{name}': must be an integer"
    for how in _transports(endpoint)[:3]:  # as text: a raw JSON "--5" would not be JSON at all
        for value in MALFORMED_INTEGERS:
            response = await _send(client, endpoint, endpoint.valid(shop), key, how, name, value)
            _expect(response, endpoint, status, message.format(name=name))


@pytest.mark.parametrize(
    ("endpoint", "name"), _cases(V1 + V2, with_body=True), ids=lambda c: c.name if isinstance(c, Endpoint) else c
)
async def test_a_json_number_too_big_for_a_float_names_the_parameter(
    client: httpx.AsyncClient, make_customer: Callable[..., str], shop: Shop, endpoint: Endpoint, name: str
) -> None:
    key = make_customer(balance="1000")
    status, message = endpoint.integers[name]
    if not endpoint.action:
        status, message = 400, "Invalid parameter '{name}': must be an integer"
    response = await _send(client, endpoint, endpoint.valid(shop), key, "json-raw", name, "1e309")
    _expect(response, endpoint, status, message.format(name=name))


async def test_a_huge_id_inside_a_v2_id_list_is_an_unknown_id(
    client: httpx.AsyncClient, make_customer: Callable[..., str], shop: Shop
) -> None:
    key = make_customer(balance="1000")
    huge = str(2**64)
    for orders in (f"{huge},1", [int(huge), 1]):
        response = await client.post("/api/v2", params={"key": key}, json={"action": "status", "orders": orders})
        assert response.status_code == 200, response.text
        assert response.json() == {huge: {"error": "Incorrect order ID"}, "1": {"error": "Incorrect order ID"}}


@pytest.mark.parametrize(("endpoint", "name"), _cases(V1), ids=lambda c: c.name if isinstance(c, Endpoint) else c)
async def test_a_bad_parameter_with_an_unknown_key_is_answered_401_first(
    client: httpx.AsyncClient, shop: Shop, endpoint: Endpoint, name: str
) -> None:
    """The key is checked before the parameters on every endpoint, as docs/api.md orders the checks."""
    response = await _send(client, endpoint, endpoint.valid(shop), "not-a-key", "query", name, "--5")
    assert response.status_code == 401, response.text
    assert response.json() == {"success": False, "error": "Invalid API key"}
    assert "X-RateLimit-Limit" not in response.headers
