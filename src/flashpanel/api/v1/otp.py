"""The six OTP endpoints: parse, call one service function, shape the response."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from flashpanel.api.context import begin
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, ok, pagination
from flashpanel.api.schemas import HistoryPage, NoParameters
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn
from flashpanel.otp import availability, catalog, orders, service
from flashpanel.otp.schemas import CountryServices, OrderRef, Purchase
from flashpanel.wallet.money import format_cents


def _countries(conn: Conn, *, key_digest: str) -> list[dict[str, Any]]:
    authenticate(conn, key_digest=key_digest)
    return [{"id": int(r["id"]), "name": r["name"], "code": r["code"]} for r in catalog.active_countries(conn)]


def _services(conn: Conn, *, key_digest: str, country_id: int, simulators: bool) -> list[catalog.ServiceOffer]:
    authenticate(conn, key_digest=key_digest)
    return catalog.services_of_country(conn, country_id=country_id, simulators=simulators)


@get("/otp/countries", summary="OTP countries", description="Countries numbers can be bought for.")
async def list_countries(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.LIST, NoParameters)
    return ok(request, await call.read(_countries, key_digest=call.key_digest))


@get("/otp/services", summary="OTP services of a country", description="Services, prices and numbers available.")
async def list_services(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.LIST, CountryServices)
    offers = await call.read(
        _services, key_digest=call.key_digest, country_id=call.args.country, simulators=call.state.settings.simulators
    )
    counts = await availability.available(call.state, {o.service_id: o.sources for o in offers})
    return ok(
        request,
        [
            {
                "service_id": o.service_id,
                "name": o.name,
                "code": o.code,
                "price": format_cents(o.price_cents),
                "available": counts[o.service_id],
            }
            for o in offers
        ],
    )


@post("/otp/purchase", status_code=200, summary="Buy a number", description="Debits the price; see /otp/check.")
async def purchase(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.ORDERS, Purchase)
    data = await service.purchase(
        call, key_digest=call.key_digest, country_id=call.args.country, service_id=call.args.service
    )
    return ok(request, data, message="Number purchased successfully")


@get("/otp/check", summary="Check for the SMS", description="waiting, completed (with sms_code), expired, cancelled.")
async def check(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.STATUS, OrderRef)
    return ok(request, await service.check(call, key_digest=call.key_digest, request_id=call.args.request_id))


@post("/otp/cancel", status_code=200, summary="Cancel a number", description="Only a waiting order; full refund.")
async def cancel(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.STATUS, OrderRef)
    data = await service.cancel(call, key_digest=call.key_digest, request_id=call.args.request_id)
    return ok(request, data, message="Order cancelled and refunded successfully")


@get("/otp/orders", summary="OTP order history", description="Newest first, paginated.")
async def history(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.STATUS, HistoryPage)
    page, limit = call.args.page, call.args.limit
    rows, total = await call.read(orders.history, key_digest=call.key_digest, page=page, limit=limit)
    return ok(
        request,
        {
            "orders": [service.history_item(r) for r in rows],
            "pagination": pagination(page=page, limit=limit, total=total),
        },
    )


routes = [list_countries, list_services, purchase, check, cancel, history]
