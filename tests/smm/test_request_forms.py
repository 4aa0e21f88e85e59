"""The key and the parameters arrive however a client sends them: query, JSON body, form body, headers."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.helpers import assert_error

ORDER = "/api/v1/smm/order"


async def test_key_and_fields_in_a_json_body(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key, service = make_customer(balance="1000"), add_service(rate="500")
    body = {"key": key, "service": service, "link": "https://example.com/a", "quantity": 1000}
    response = await client.post(ORDER, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["charge"] == "500.00"


async def test_key_and_fields_in_a_form_body(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key, service = make_customer(balance="1000"), add_service(rate="500")
    form = {"key": key, "service": str(service), "link": "https://example.com/a", "quantity": "1000"}
    response = await client.post(ORDER, data=form)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["quantity"] == 1000


async def test_fields_in_the_query_string_with_a_bearer_key(
    client: httpx.AsyncClient, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key, service = make_customer(balance="1000"), add_service(rate="500")
    params: dict[str, str | int] = {"service": service, "link": "https://example.com/a", "quantity": 1000}
    response = await client.post(ORDER, params=params, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text


async def test_malformed_json_is_a_400_and_writes_nothing(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1000")
    response = await client.post(
        ORDER, params={"key": key}, content=b'{"service": 1,', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "malformed json")
    balance = await client.get("/api/v1/balance", params={"key": key})
    assert balance.json()["data"]["balance"] == "1000.00"


async def test_a_json_body_that_is_not_an_object_is_a_400(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1000")
    response = await client.post(ORDER, params={"key": key}, json=[1, 2, 3])
    assert_error(response, 400, "must be an object")


async def test_an_unsupported_content_type_is_a_400(
    client: httpx.AsyncClient, make_customer: Callable[..., str]
) -> None:
    key = make_customer(balance="1000")
    response = await client.post(ORDER, params={"key": key}, content=b"<x/>", headers={"content-type": "text/xml"})
    assert_error(response, 400, "content type")
