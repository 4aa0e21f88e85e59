"""Ordering SMM services: pick a category and a service, see the price as you type, place the order;
and mass orders, one per line. Orders go through ``smm.service.place_order`` / ``smm.dripfeed.place_order``,
the functions the API calls (D46)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery

from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError
from flashpanel.smm import completion, dripfeed, mass, shop
from flashpanel.web.acting import acting_for, refreshed_viewer
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.order_forms import MassOrder, SmmOrder, SmmOrderForm, number, optional_number
from flashpanel.web.render import is_htmx, redirect, render

AnyRequest = Request[Any, Any, Any]


@dataclass(frozen=True, slots=True)
class Choice:
    """What the order form shows: the categories, the chosen one's services, the chosen service."""

    categories: list[str]
    category: str | None
    services: list[shop.Offer]
    service: shop.Offer | None


def choose(offers: list[shop.Offer], *, category: str | None, service_id: int | None) -> Choice:
    """The service asked for (its category wins), else the first service of the category asked for, else
    the first category's first service."""
    categories = list(dict.fromkeys(o.category for o in offers))
    asked = next((o for o in offers if o.id == service_id), None)
    if asked is not None and (not category or category == asked.category or category not in categories):
        category = asked.category
    elif category not in categories:
        category = categories[0] if categories else None
    services = [o for o in offers if o.category == category]
    service = asked if asked in services else (services[0] if services else None)
    return Choice(categories, category, services, service)


async def _form_context(request: AnyRequest, form: SmmOrderForm) -> dict[str, Any]:
    db = app_state(request).db
    offers = await db.read(shop.offers, simulators=app_state(request).settings.simulators)
    choice = choose(offers, category=form.category or None, service_id=optional_number(form.service))
    average = (
        await db.read(completion.average_completion_seconds, service_id=choice.service.id) if choice.service else None
    )
    drip = bool(choice.service and choice.service.dripfeed and form.runs.strip())
    quote = (
        shop.quote(
            choice.service, quantity=optional_number(form.quantity), runs=optional_number(form.runs) if drip else None
        )
        if choice.service
        else None
    )
    return {
        "choice": choice,
        "form": form,
        "average": completion.describe(average),
        "quote": quote,
    }


@get("/smm")
async def smm_page(
    request: AnyRequest,
    viewer: CurrentViewer,
    category: FromQuery[str] = "",
    service: FromQuery[str] = "",
    link: FromQuery[str] = "",
    quantity: FromQuery[str] = "",
    runs: FromQuery[str] = "",
    interval: FromQuery[str] = "",
) -> Response[Any]:
    """The order form; the query pre-fills it ("Order again" links here with service, link and quantity)."""
    form = SmmOrderForm(service=service, link=link, quantity=quantity, category=category, runs=runs, interval=interval)
    context = await _form_context(request, form)
    template = "_smm_form.html" if is_htmx(request) else "smm.html"
    return render(request, template, error=None, **context)


@get("/smm/total")
async def smm_total(
    request: AnyRequest,
    viewer: CurrentViewer,
    service: FromQuery[str] = "",
    quantity: FromQuery[str] = "",
    runs: FromQuery[str] = "",
) -> Response[Any]:
    """The "Total" as the customer types (htmx): priced on the server by ``smm.shop.quote``."""
    form = SmmOrderForm(service=service, quantity=quantity, runs=runs)
    context = await _form_context(request, form)
    return render(request, "_smm_total.html", **context)


@post("/smm")
async def place_smm_order(request: AnyRequest, viewer: CurrentViewer, data: SmmOrder) -> Response[Any]:
    call = await acting_for(request, viewer)
    drip_feed = bool(data.runs.strip())
    try:
        order_id = await call.write(
            dripfeed.place_order,
            key_digest=call.key_digest,
            service_id=number(data.service, "Service"),
            link=data.link,
            quantity=number(data.quantity, "Quantity"),
            simulators=call.state.settings.simulators,
            runs=number(data.runs, "Runs") if drip_feed else None,
            interval_minutes=number(data.interval, "Interval") if drip_feed else None,
        )
    except FlashpanelError as exc:  # the refusal beside the form; the unit rolled back, nothing charged
        context = await _form_context(request, data)
        return render(request, "smm.html", status=exc.status_code, error=exc.message, **context)
    return redirect(request, f"/orders/smm/{order_id}", flash=f"Order #{order_id} placed.")


@get("/smm/mass")
async def mass_page(request: AnyRequest, viewer: CurrentViewer) -> Response[Any]:
    return render(request, "smm_mass.html", error=None, result=None, orders="", max_lines=mass.MAX_LINES)


@post("/smm/mass")
async def place_mass_orders(request: AnyRequest, viewer: CurrentViewer, data: MassOrder) -> Response[Any]:
    call = await acting_for(request, viewer)
    try:
        result = await mass.place_all(
            call, key_digest=call.key_digest, text=data.orders, simulators=call.state.settings.simulators
        )
    except FlashpanelError as exc:
        return render(
            request,
            "smm_mass.html",
            status=exc.status_code,
            error=exc.message,
            result=None,
            orders=data.orders,
            max_lines=mass.MAX_LINES,
        )
    await refreshed_viewer(request, viewer)  # the header shows the balance after the charges
    return render(request, "smm_mass.html", error=None, result=result, orders="", max_lines=mass.MAX_LINES)


routes = [smm_page, smm_total, place_smm_order, mass_page, place_mass_orders]
