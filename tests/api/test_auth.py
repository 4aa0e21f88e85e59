"""The key is accepted from the query string, a header, a bearer token or the body; compared as digests."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from flashpanel.customers import service
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from tests.helpers import assert_error


async def test_key_in_query_string(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer(balance="1")
    assert (await client.get(f"/api/v1/balance?key={key}")).status_code == 200


async def test_key_in_x_api_key_header(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer(balance="1")
    assert (await client.get("/api/v1/balance", headers={"X-API-Key": key})).status_code == 200


async def test_key_as_bearer_token(client: httpx.AsyncClient, make_customer: Callable[..., str]) -> None:
    key = make_customer(balance="1")
    response = await client.get("/api/v1/balance", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


@pytest.mark.parametrize("key", [None, "", "not-a-real-key"])
async def test_missing_or_unknown_key_is_401(client: httpx.AsyncClient, key: str | None) -> None:
    params = {} if key is None else {"key": key}
    response = await client.get("/api/v1/balance", params=params)
    assert_error(response, 401)
    assert response.json() == {"success": False, "error": "Invalid API key"}


async def test_rotated_key_stops_working_and_new_one_works(
    client: httpx.AsyncClient, make_customer: Callable[..., str], db: Database
) -> None:
    old = make_customer("rotating", balance="1")
    new = db.write_sync(service.rotate_key, name="rotating")
    assert_error(await client.get("/api/v1/balance", params={"key": old}), 401)
    assert (await client.get("/api/v1/balance", params={"key": new})).status_code == 200


def test_keys_are_long_random_and_stored_only_as_digests(make_customer: Callable[..., str], db: Database) -> None:
    key = make_customer("digest", balance="0")
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    stored = db.read_sync(lambda c: c.one("SELECT * FROM customers WHERE name = 'digest'"))
    assert stored is not None
    assert stored["api_key_digest"] == key_digest(key)
    assert key not in {str(v) for v in dict(stored).values()}


async def test_repeated_bad_keys_from_one_address_are_rate_limited(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    good = make_customer(balance="1")
    for i in range(20):  # FLASHPANEL_RATE_LIMIT_AUTH_FAILURES default: 20/minute
        assert_error(await client.get("/api/v1/balance", params={"key": f"guess-{i}"}), 401)
    blocked = await client.get("/api/v1/balance", params={"key": "guess-21"})
    assert_error(blocked, 429)
    assert int(blocked.headers["Retry-After"]) >= 1
    # Even a valid key from that address waits: guessing cannot continue under cover of one.
    assert_error(await client.get("/api/v1/balance", params={"key": good}), 429)
