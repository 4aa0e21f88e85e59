"""The five Accounts endpoints: parse, run one unit of work, shape the spec's response."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from flashpanel.accounts import catalog, service
from flashpanel.accounts.schemas import CategoryProducts, OrderDetails, Purchase
from flashpanel.accounts.stock import as_account
from flashpanel.api.context import begin
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, ok, pagination
from flashpanel.api.schemas import HistoryPage, NoParameters
from flashpanel.wallet.money import format_cents

AnyRequest = Request[Any, Any, Any]


@get("/accounts/categories", summary="Account categories")
async def list_categories(request: AnyRequest) -> JsonReply:
    call = await begin(request, RateClass.LIST, NoParameters)
    categories = await call.read(catalog.categories_for_key, key_digest=call.key_digest)
    return ok(request, [{"id": c.id, "name": c.name, "icon": c.icon} for c in categories])


@get("/accounts/products", summary="Account products of a category", description="`stock` is the unsold count.")
async def list_products(request: AnyRequest) -> JsonReply:
    call = await begin(request, RateClass.LIST, CategoryProducts)
    products = await call.read(catalog.products_for_key, key_digest=call.key_digest, category_id=call.args.category)
    return ok(
        request,
        [
            {
                "product_id": p.id,
                "name": p.name,
                "price": format_cents(p.price_cents),
                "stock": p.stock,
                "min": p.min_quantity,
                "max": p.max_quantity,
                "description": p.description,
            }
            for p in products
        ],
    )


@post("/accounts/purchase", summary="Buy stocked accounts", status_code=200)
async def purchase(request: AnyRequest) -> JsonReply:
    call = await begin(request, RateClass.ORDERS, Purchase)
    bought = await call.write(
        service.purchase,
        key_digest=call.key_digest,
        product_id=call.args.product,
        quantity=call.args.quantity,
        secrets=call.state.secrets,
    )
    return ok(
        request,
        {
            "order_id": bought.order_id,
            "product": bought.product,
            "quantity": bought.quantity,
            "charge": format_cents(bought.charge_cents),
            "status": bought.status,
            "accounts": [as_account(line) for line in bought.items],
            "balance": format_cents(bought.balance_cents),
            "currency": call.state.settings.currency,
        },
        message="Account(s) purchased successfully",
    )


@get("/accounts/orders", summary="Account order history", description="Newest first.")
async def order_history(request: AnyRequest) -> JsonReply:
    call = await begin(request, RateClass.STATUS, HistoryPage)
    page, limit = call.args.page, call.args.limit
    result = await call.read(
        service.order_history, key_digest=call.key_digest, page=page, limit=limit, secrets=call.state.secrets
    )
    return ok(
        request,
        {
            "orders": [
                {
                    "order_id": o.order_id,
                    "product": o.product,
                    "quantity": o.quantity,
                    "charge": format_cents(o.charge_cents),
                    "status": o.status,
                    "accounts": o.items,
                    "created_at": service.iso_utc(o.created_at),
                }
                for o in result.orders
            ],
            "pagination": pagination(page=page, limit=limit, total=result.total),
        },
    )


@get("/accounts/order", summary="One account order")
async def order_details(request: AnyRequest) -> JsonReply:
    call = await begin(request, RateClass.STATUS, OrderDetails)
    o = await call.read(
        service.order_details, key_digest=call.key_digest, order_id=call.args.order, secrets=call.state.secrets
    )
    return ok(
        request,
        {
            "order_id": o.order_id,
            "product": o.product,
            "quantity": o.quantity,
            "price_per_unit": format_cents(o.unit_price_cents),
            "charge": format_cents(o.charge_cents),
            "status": o.status,
            "accounts": o.items,
            "created_at": service.iso_utc(o.created_at),
        },
    )


routes = [list_categories, list_products, purchase, order_history, order_details]
