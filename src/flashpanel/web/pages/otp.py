"""Buying a number: pick a country and a service (price and how many numbers are available), buy it,
then watch the code arrive on the order's page (``/orders/otp/<id>``). The purchase is
``otp.service.purchase``, the function the API calls (D46)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery

from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError
from flashpanel.otp import availability, catalog, service
from flashpanel.web.acting import acting_for
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.order_forms import OtpPurchase, number, optional_number
from flashpanel.web.render import is_htmx, redirect, render

AnyRequest = Request[Any, Any, Any]


@dataclass(frozen=True, slots=True)
class Country:
    id: int
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    name: str
    price_cents: int
    available: int


async def _context(request: AnyRequest, country_id: int | None, service_id: int | None) -> dict[str, Any]:
    state = app_state(request)
    rows = await state.db.read(catalog.active_countries)
    countries = [Country(int(r["id"]), r["name"], r["code"]) for r in rows]
    country = next((c for c in countries if c.id == country_id), countries[0] if countries else None)
    offers: list[Offer] = []
    if country is not None:
        found = await state.db.read(
            catalog.services_of_country, country_id=country.id, simulators=state.settings.simulators
        )
        counts = await availability.available(state, {o.service_id: o.sources for o in found})
        offers = [Offer(o.service_id, o.name, o.price_cents, counts[o.service_id]) for o in found]
    chosen = next((o for o in offers if o.id == service_id), offers[0] if offers else None)
    return {"countries": countries, "country": country, "offers": offers, "chosen": chosen}


@get("/otp")
async def otp_page(
    request: AnyRequest, viewer: CurrentViewer, country: FromQuery[str] = "", service: FromQuery[str] = ""
) -> Response[Any]:
    context = await _context(request, optional_number(country), optional_number(service))
    template = "_otp_form.html" if is_htmx(request) else "otp.html"
    return render(request, template, error=None, **context)


@post("/otp")
async def buy_number(request: AnyRequest, viewer: CurrentViewer, data: OtpPurchase) -> Response[Any]:
    call = await acting_for(request, viewer)
    try:
        bought = await service.purchase(
            call,
            key_digest=call.key_digest,
            country_id=number(data.country, "Country"),
            service_id=number(data.service, "Service"),
        )
    except FlashpanelError as exc:  # nothing charged: the purchase refunds or never debits on every failure
        context = await _context(request, optional_number(data.country), optional_number(data.service))
        return render(request, "otp.html", status=exc.status_code, error=exc.message, **context)
    order_id = bought["order_id"]
    return redirect(request, f"/orders/otp/{order_id}", flash=f"Number {bought['phone_number']} is yours.")


routes = [otp_page, buy_number]
