"""Buying pre-stocked accounts: pick a category and a product (price, stock), a quantity, buy; the
credentials are shown on the order's page (``/orders/accounts/<id>``), which keeps them. The purchase
is ``accounts.service.purchase``, the function the API calls (D46)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery

from flashpanel.accounts import catalog, service
from flashpanel.errors import FlashpanelError
from flashpanel.web.acting import CustomerCall, acting_for
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.order_forms import AccountsPurchase, number, optional_number
from flashpanel.web.render import is_htmx, redirect, render

AnyRequest = Request[Any, Any, Any]


async def _context(call: CustomerCall, category_id: int | None, product_id: int | None) -> dict[str, Any]:
    categories = await call.read(catalog.categories_for_key, key_digest=call.key_digest)
    category = next((c for c in categories if c.id == category_id), categories[0] if categories else None)
    products = (
        await call.read(catalog.products_for_key, key_digest=call.key_digest, category_id=category.id)
        if category
        else []
    )
    product = next((p for p in products if p.id == product_id), products[0] if products else None)
    return {"categories": categories, "category": category, "products": products, "product": product}


@get("/accounts")
async def accounts_page(
    request: AnyRequest,
    viewer: CurrentViewer,
    category: FromQuery[str] = "",
    product: FromQuery[str] = "",
    quantity: FromQuery[str] = "",
) -> Response[Any]:
    call = await acting_for(request, viewer)
    context = await _context(call, optional_number(category), optional_number(product))
    template = "_accounts_form.html" if is_htmx(request) else "accounts_shop.html"
    return render(request, template, error=None, quantity=quantity, **context)


@post("/accounts")
async def buy_accounts(request: AnyRequest, viewer: CurrentViewer, data: AccountsPurchase) -> Response[Any]:
    call = await acting_for(request, viewer)
    try:
        bought = await call.write(
            service.purchase,
            key_digest=call.key_digest,
            product_id=number(data.product, "Product"),
            quantity=number(data.quantity, "Quantity"),
            secrets=call.state.secrets,
        )
    except FlashpanelError as exc:  # the whole purchase rolled back: nothing charged, no stock taken
        context = await _context(call, optional_number(data.category), optional_number(data.product))
        return render(
            request, "accounts_shop.html", status=exc.status_code, error=exc.message, quantity=data.quantity, **context
        )
    return redirect(
        request,
        f"/orders/accounts/{bought.order_id}",
        flash=f"Bought {bought.quantity} of {bought.product}. Your credentials are below; they stay on this page.",
    )


routes = [accounts_page, buy_accounts]
