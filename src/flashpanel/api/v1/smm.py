"""The four SMM endpoints (thin: parameters in, one unit of work, the spec's shape out)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from flashpanel.api.context import begin
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, ok, pagination
from flashpanel.api.schemas import HistoryPage, NoParameters
from flashpanel.customers.service import authenticate
from flashpanel.smm import service
from flashpanel.smm.schemas import OrderStatus, PlaceOrder

# The catalog changes rarely; serving it from memory for a few seconds (AppState.smm_catalog, a
# TTLCache of CATALOG_TTL_SECONDS) saves a query per request. The key is still checked on every
# request (its own one-statement unit of work).
CATALOG_TTL_SECONDS = 3.0
_CATALOG = "smm_catalog"


@get("/smm/services", summary="SMM services", description="Active SMM services with their price per 1000.")
async def list_services(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.LIST, NoParameters)
    cached = call.state.smm_catalog.get(_CATALOG)
    if cached is not None:
        await call.read(authenticate, key_digest=call.key_digest)
        return ok(request, cached)
    services = await call.read(
        service.services_for_key, key_digest=call.key_digest, simulators=call.state.settings.simulators
    )
    call.state.smm_catalog[_CATALOG] = services
    return ok(request, services)


@post("/smm/order", status_code=200, summary="Place an SMM order", description="Charge the wallet and queue the order.")
async def place_order(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.ORDERS, PlaceOrder)
    order = call.args
    placed = await call.write(
        service.place_order,
        key_digest=call.key_digest,
        service_id=order.service,
        link=order.link,
        quantity=order.quantity,
        simulators=call.state.settings.simulators,
    )
    return ok(request, {**placed, "currency": call.state.settings.currency}, message="Order placed successfully")


@get("/smm/status", summary="SMM order status", description="One of your orders, by id.")
async def order_status(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.STATUS, OrderStatus)
    order = await call.read(service.order_status, key_digest=call.key_digest, order_id=call.args.order)
    return ok(request, order)


@get("/smm/orders", summary="SMM order history", description="Your orders, newest first, paginated.")
async def order_history(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.STATUS, HistoryPage)
    page, limit = call.args.page, call.args.limit
    orders, total = await call.read(service.order_history, key_digest=call.key_digest, page=page, limit=limit)
    return ok(request, {"orders": orders, "pagination": pagination(page=page, limit=limit, total=total)})


routes = [list_services, place_order, order_status, order_history]
