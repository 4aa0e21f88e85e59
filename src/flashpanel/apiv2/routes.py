"""``/api/v2``: the SMM panel API v2, one endpoint switching on ``action`` (GET or POST).

Parameters come from the query string, a form body or a JSON object body (``api/params.py``) and are
decoded into the action's Struct (``apiv2/schemas.py``), ids leniently (an id that is not one is answered
"Incorrect order ID"); the key as ``key`` (or the ``X-API-Key`` / bearer headers ``/api/v1`` accepts);
rate limits are ``/api/v1``'s, per action class. Every refusal is the protocol's ``{"error": "..."}``,
sent with HTTP 200 because the protocol's clients read the body, not the status; only a body too large
(413), a rate-limit refusal (429, with ``Retry-After``) and an unexpected failure (500) use another
status. See docs/api-v2.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, route
from litestar.enums import HttpMethod

from flashpanel.api.context import ApiCall, arrive, begin
from flashpanel.api.decode import text_of
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, reply
from flashpanel.api.schemas import NoParameters
from flashpanel.apiv2 import answers
from flashpanel.apiv2.protocol import INCORRECT_REQUEST, V2Error
from flashpanel.apiv2.schemas import Add, CancelIds, OrderIds, RefillIds
from flashpanel.bounds import NO_ROW
from flashpanel.errors import FlashpanelError, MissingParameter, RateLimited
from flashpanel.smm import cancel, dripfeed, refill
from flashpanel.smm import service as smm
from flashpanel.wallet.money import format_cents
from flashpanel.wallet.service import balance_for_key

log = logging.getLogger("flashpanel.api")


async def _services(call: ApiCall[NoParameters]) -> Any:
    offers = await call.read(
        smm.service_offers_for_key, key_digest=call.key_digest, simulators=call.state.settings.simulators
    )
    return answers.services(offers)


async def _add(call: ApiCall[Add]) -> Any:
    order = call.args
    order_id = await call.write(
        dripfeed.place_order,
        key_digest=call.key_digest,
        service_id=order.service,
        link=order.link,
        quantity=order.quantity,
        simulators=call.state.settings.simulators,
        runs=order.runs,
        interval_minutes=order.interval,
    )
    return {"order": order_id}


async def _status(call: ApiCall[OrderIds]) -> Any:
    currency = call.state.settings.currency
    if call.args.orders is not None:
        ids = call.args.orders
        charges = await call.read(smm.order_charges_for_key, key_digest=call.key_digest, order_ids=ids.ids)
        return answers.orders(ids, charges, currency)
    if call.args.order is None:
        raise MissingParameter("order")
    order_id = call.args.order
    wanted = [order_id] if order_id != NO_ROW else []
    charges = await call.read(smm.order_charges_for_key, key_digest=call.key_digest, order_ids=wanted)
    return answers.order(charges.get(order_id), currency)


async def _refill(call: ApiCall[OrderIds]) -> Any:
    if call.args.orders is not None:
        ids = call.args.orders
        outcomes = await call.write(
            refill.request_refills, key_digest=call.key_digest, order_ids=answers.ids_or_none(ids)
        )
        return answers.refills(ids, outcomes)
    if call.args.order is None:
        raise MissingParameter("order")
    order_id = call.args.order
    wanted = [order_id if order_id != NO_ROW else None]
    outcomes = await call.write(refill.request_refills, key_digest=call.key_digest, order_ids=wanted)
    return answers.refill(outcomes[0])


async def _refill_status(call: ApiCall[RefillIds]) -> Any:
    if call.args.refills is not None:
        ids = call.args.refills
        found = await call.read(refill.refill_statuses, key_digest=call.key_digest, refill_ids=ids.ids)
        return answers.refill_states(ids, found)
    if call.args.refill is None:
        raise MissingParameter("refill")
    refill_id = call.args.refill
    wanted = [refill_id] if refill_id != NO_ROW else []
    found = await call.read(refill.refill_statuses, key_digest=call.key_digest, refill_ids=wanted)
    return answers.refill_state(found.get(refill_id))


async def _cancel(call: ApiCall[CancelIds]) -> Any:
    # The protocol sends `orders`; a lone `order` is accepted too (and still answered as a list).
    ids = call.args.orders or call.args.order
    if ids is None:
        raise MissingParameter("orders")
    outcomes = await call.write(cancel.cancel_orders, key_digest=call.key_digest, order_ids=answers.ids_or_none(ids))
    return answers.cancels(ids, outcomes)


async def _balance(call: ApiCall[NoParameters]) -> Any:
    cents = await call.read(balance_for_key, key_digest=call.key_digest)
    return {"balance": format_cents(cents), "currency": call.state.settings.currency}


@dataclass(frozen=True, slots=True)
class Action:
    rate_class: RateClass
    request: type[msgspec.Struct]
    run: Callable[[ApiCall[Any]], Awaitable[Any]]


ACTIONS: dict[str, Action] = {
    "services": Action(RateClass.LIST, NoParameters, _services),
    "add": Action(RateClass.ORDERS, Add, _add),
    "status": Action(RateClass.STATUS, OrderIds, _status),
    "refill": Action(RateClass.STATUS, OrderIds, _refill),
    "refill_status": Action(RateClass.STATUS, RefillIds, _refill_status),
    "cancel": Action(RateClass.STATUS, CancelIds, _cancel),
    "balance": Action(RateClass.BALANCE, NoParameters, _balance),
}


def http_status(exc: FlashpanelError) -> int:
    """200 for every refusal the protocol's clients handle from the body; 413, 429 and 5xx keep theirs
    (they are about the request's size, its pace or the server, not an answer to what it asked)."""
    if exc.status_code in (413, 429) or exc.status_code >= 500:
        return exc.status_code
    return 200


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
        arrival = await arrive(request)
        action = ACTIONS.get((text_of(arrival.params, "action") or "").lower())
        call = await begin(
            request,
            action.rate_class if action else RateClass.STATUS,
            action.request if action else NoParameters,
            arrival=arrival,
            lenient_ids=True,
        )
        if action is None:
            raise V2Error(INCORRECT_REQUEST)
        return reply(request, await action.run(call))
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
