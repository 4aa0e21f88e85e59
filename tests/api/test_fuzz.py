"""Hostile input to every parameter of /api/v1 and /api/v2 (issue 13): hypothesis, in-process, bounded, seeded.

Each example sends one endpoint a well-formed request with one parameter replaced by a hostile value
(in the query string, a form, a JSON string or a raw JSON value), or with a hostile body. Whatever it is,
the answer is never a 5xx, its body is the envelope (v2: its own ``{"error"}`` shape), it carries the
key's rate-limit headers (the key is a customer's), and a refused request leaves the balance as it was.
The suite runs this on SQLite and again on PostgreSQL + Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from flashpanel.config import Settings
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from tests.api.endpoints import INT64_MAX, V1, V2, Endpoint, Shop, roomy

HOSTILE_TEXT = [
    "--5", "+-5", "-+5", "1e309", "1e3", "5.0", "0x10", "1_000", "\uff15", str(INT64_MAX + 1), str(-INT64_MAX - 2),
    "9" * 5000, "-" + "9" * 5000, "0" * 5000 + "1", "", " ", "0", "-1", "null", "true", "[]", "{}", "\x00", "%00",
    "' OR 1=1 --", "1,2,3", ",,,", ",".join(["1"] * 101), "\n", "https://example.com/" + "a" * 5000,
    "javascript:alert(1)", "\u202e", "\ud7ff",
]  # fmt: skip
HOSTILE_JSON = [
    "1e309", "-1e309", "9" * 5000, str(2**64), str(-(2**64)), "-0", "1.5", "true", "false", "null", "[]", "{}",
    "[[[[1]]]]", '{"a": {"b": []}}', "[" * 500 + "]" * 500, '"\\u0000"', "[1, 2, 3]",
    "[" + ", ".join(["1"] * 101) + "]",
]  # fmt: skip
HOSTILE_BODIES = [
    b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"[1, 2]", b'"text"', b"{", b"", b"\xff\xfe", b"null",
    b'{"service": 1}{"service": 2}', b'{"a": 1e99999}', b"{" + b'"k":1,' * 50_000 + b'"k":2}',
]  # fmt: skip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return roomy(settings)


def _balance(db: Database, key: str) -> int:
    sql, digest = "SELECT balance_cents FROM customers WHERE api_key_digest = ?", key_digest(key)
    return int(db.read_sync(lambda c: c.scalar(sql, (digest,))))


def _request(endpoint: Endpoint, shop: Shop, key: str, case: tuple[str, str, str]) -> dict[str, Any]:
    """httpx arguments for one hostile case: (transport, parameter, value)."""
    how, name, value = case
    params, json_type = endpoint.valid(shop), {"content-type": "application/json"}
    if how == "body":
        return {"params": {"key": key}, "content": value.encode("latin-1"), "headers": json_type}
    if how == "query" or endpoint.method == "GET":
        return {"params": {**{k: str(v) for k, v in params.items()}, name: value, "key": key}}
    if how == "form":
        return {"params": {"key": key}, "data": {**{k: str(v) for k, v in params.items()}, name: value}}
    fields = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in params.items() if k != name]
    fields.append(f"{json.dumps(name)}: {json.dumps(value) if how == 'json-string' else value}")
    content = ("{" + ", ".join(fields) + "}").encode()
    return {"params": {"key": key}, "content": content, "headers": json_type}


def _cases(endpoint: Endpoint) -> st.SearchStrategy[tuple[str, str, str]]:
    names = [*endpoint.parameters, *(("action",) if endpoint.action else ()), "unknown"]
    text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.integers().map(str), st.text(max_size=40))
    raw = st.one_of(st.sampled_from(HOSTILE_JSON), st.integers().map(str))
    cases = [st.tuples(st.sampled_from(["query", "form", "json-string"]), st.sampled_from(names), text)]
    if endpoint.method == "POST":
        cases.append(st.tuples(st.just("json-raw"), st.sampled_from(names), raw))
        bodies = [body.decode("latin-1") for body in HOSTILE_BODIES]
        cases.append(st.tuples(st.just("body"), st.just(""), st.sampled_from(bodies)))
    return st.one_of(cases)


def _check(endpoint: Endpoint, response: httpx.Response) -> bool:
    """Assert the answer's shape; True when the request was refused."""
    assert response.status_code < 500, response.text
    assert "X-RateLimit-Limit" in response.headers, (response.status_code, response.text)
    body = response.json()
    if endpoint.action:
        refused = isinstance(body, dict) and "error" in body
        if refused:
            assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body
            assert response.status_code in (200, 413), response.text
        else:
            assert response.status_code == 200, response.text
        return refused
    if response.status_code == 200:
        assert body["success"] is True, body
        return False
    assert set(body) == {"success", "error"} and body["success"] is False, body
    assert isinstance(body["error"], str) and body["error"], body
    return True


FUZZ = hypothesis_settings(
    max_examples=20,
    derandomize=True,  # the same examples on every run, on both backends
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("endpoint", V1 + V2, ids=lambda e: e.name)
@FUZZ
@given(data=st.data())
async def test_hostile_values_never_reach_a_5xx_and_refusals_cost_nothing(
    client: httpx.AsyncClient,
    make_customer: Callable[..., str],
    shop: Shop,
    db: Database,
    endpoint: Endpoint,
    data: st.DataObject,
) -> None:
    key = make_customer(balance="1000000")
    case = data.draw(_cases(endpoint))
    before = _balance(db, key)
    response = await client.request(endpoint.method, endpoint.path, **_request(endpoint, shop, key, case))
    if _check(endpoint, response):
        assert _balance(db, key) == before, (case[:2], response.text)
