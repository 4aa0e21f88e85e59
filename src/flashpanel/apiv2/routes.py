"""``/api/v2``: the SMM panel API v2, one endpoint switching on ``action`` (GET or POST).

Parameters come from the query string, a form body or a JSON object body (``api/params.py``), the key
as ``key`` (or the ``X-API-Key`` / bearer headers ``/api/v1`` accepts); rate limits are ``/api/v1``'s,
per action class. Every refusal is the protocol's ``{"error": "..."}``, sent with HTTP 200 because the
protocol's clients read the body, not the status; only a rate-limit refusal (429, with ``Retry-After``)
and an unexpected failure (500) use another status. See docs/api-v2.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, route
from litestar.enums import HttpMethod

from flashpanel.api.context import ApiCall, begin
from flashpanel.api.params import read_params
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, reply
from flashpanel.apiv2 import refill, service
from flashpanel.apiv2.protocol import INCORRECT_REQUEST, V2Error, read_id, read_ids
from flashpanel.errors import FlashpanelError, RateLimited
from flashpanel.wallet.money import format_cents

log = logging.getLogger("flashpanel.api")

Action = Callable[[ApiCall], Awaitable[Any]]


def _has(call: ApiCall, name: str) -> bool:
    value = call.params.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


async def _services(call: ApiCall) -> Any:
    return await call.read(service.services, key_digest=call.key_digest, simulators=call.state.settings.simulators)


async def _add(call: ApiCall) -> Any:
    p = call.params
    order_id = await call.write(
        service.add,
        key_digest=call.key_digest,
        service=p.get("service"),
        link=p.get("link"),
        quantity=p.get("quantity"),
        runs=p.get("runs"),
        interval=p.get("interval"),
        simulators=call.state.settings.simulators,
    )
    return {"order": order_id}


async def _status(call: ApiCall) -> Any:
    currency = call.state.settings.currency
    if _has(call, "orders"):
        ids = read_ids(call.params, "orders")
        return await call.read(service.statuses, key_digest=call.key_digest, ids=ids, currency=currency)
    order_id = read_id(call.params, "order")
    return await call.read(service.status, key_digest=call.key_digest, order_id=order_id, currency=currency)


async def _refill(call: ApiCall) -> Any:
    if _has(call, "orders"):
        ids = read_ids(call.params, "orders")
        return await call.write(refill.request_refills, key_digest=call.key_digest, ids=ids)
    order_id = read_id(call.params, "order")
    return await call.write(refill.request_refill, key_digest=call.key_digest, order_id=order_id)


async def _refill_status(call: ApiCall) -> Any:
    if _has(call, "refills"):
        ids = read_ids(call.params, "refills")
        return await call.read(refill.refill_states, key_digest=call.key_digest, ids=ids)
    refill_id = read_id(call.params, "refill")
    return await call.read(refill.refill_state, key_digest=call.key_digest, refill_id=refill_id)


async def _cancel(call: ApiCall) -> Any:
    # The protocol sends `orders`; a lone `order` is accepted too (and still answered as a list).
    name = "order" if _has(call, "order") and not _has(call, "orders") else "orders"
    ids = read_ids(call.params, name)
    return await call.write(service.cancel, key_digest=call.key_digest, ids=ids)


async def _balance(call: ApiCall) -> Any:
    cents = await call.read(service.balance, key_digest=call.key_digest)
    return {"balance": format_cents(cents), "currency": call.state.settings.currency}


# action -> (rate-limit class, handler)
ACTIONS: dict[str, tuple[RateClass, Action]] = {
    "services": (RateClass.LIST, _services),
    "add": (RateClass.ORDERS, _add),
    "status": (RateClass.STATUS, _status),
    "refill": (RateClass.STATUS, _refill),
    "refill_status": (RateClass.STATUS, _refill_status),
    "cancel": (RateClass.STATUS, _cancel),
    "balance": (RateClass.BALANCE, _balance),
}


def http_status(exc: FlashpanelError) -> int:
    """200 for every refusal the protocol's clients handle from the body; 429 and 5xx keep theirs."""
    if isinstance(exc, RateLimited):
        return 429
    return 500 if exc.status_code >= 500 else 200


@route(
    "/api/v2",
    http_method=[HttpMethod.GET, HttpMethod.POST],
    status_code=200,
    summary="SMM panel API v2",
    description="One endpoint, `key` + `action` (services, add, status, refill, refill_status, cancel, balance); "
    'errors as {"error": "..."}. See docs/api-v2.md.',
    tags=["api v2"],
)
async def api_v2(request: Request[Any, Any, Any]) -> JsonReply:
    try:
        params = await read_params(request)
        action = params.get("action")
        entry = ACTIONS.get(action.strip().lower()) if isinstance(action, str) else None
        call = await begin(request, entry[0] if entry else RateClass.STATUS)
        if entry is None:
            raise V2Error(INCORRECT_REQUEST)
        return reply(request, await entry[1](call))
    except FlashpanelError as exc:
        extra = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        status = http_status(exc)
        if status >= 500:
            log.error("v2 %s failed: %s", request.method, exc.message)
        return reply(request, {"error": exc.message}, status=status, extra=extra)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return reply(request, {"error": "Internal server error"}, status=500)


routes = [api_v2]
