"""The 16 /api/v1 operations as declared in the OpenAPI document: method, path, summary and description
come from the handler itself; parameters, examples (the API document's), replies and errors from here."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from litestar.handlers import HTTPRouteHandler

from flashpanel.accounts.schemas import CategoryProducts, OrderDetails
from flashpanel.accounts.schemas import Purchase as AccountPurchase
from flashpanel.api.contract import INSUFFICIENT_BALANCE, ORDER_NOT_FOUND, Operation, Param
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.schemas import HistoryPage, NoParameters
from flashpanel.api.v1 import accounts, otp, replies, smm, wallet
from flashpanel.otp.schemas import CountryServices, OrderRef
from flashpanel.otp.schemas import Purchase as OtpPurchase
from flashpanel.smm.schemas import OrderStatus, PlaceOrder

PREFIX = "/api/v1"

PAGE = {
    "page": Param("Page number (default: 1); a smaller one is read as 1.", 1),
    "limit": Param("Results per page (max: 100, default: 20); a value outside 1..100 is moved into it.", 20),
}
QUANTITY_RANGE = "Quantity must be between {min} and {max}"


def _operation(
    handler: HTTPRouteHandler,
    tag: str,
    rate_class: RateClass,
    request: type[msgspec.Struct],
    reply: type[msgspec.Struct],
    params: Mapping[str, Param] | None = None,
    errors: Mapping[int, tuple[str, ...]] | None = None,
) -> Operation:
    (method,) = handler.http_methods
    (path,) = handler.paths
    return Operation(
        method=method,
        path=PREFIX + path,
        summary=handler.summary or "",
        description=handler.description or "",
        tag=tag,
        rate_class=rate_class,
        request=request,
        params=params or {},
        reply=reply,
        errors=errors or {},
    )


def _operations() -> list[Operation]:
    balance: dict[int, tuple[str, ...]] = {400: (INSUFFICIENT_BALANCE,)}
    op = _operation
    return [
        op(wallet.get_balance, "wallet", RateClass.BALANCE, NoParameters, replies.BalanceReply),
        op(smm.list_services, "smm", RateClass.LIST, NoParameters, replies.SmmServicesReply),
        op(
            smm.place_order, "smm", RateClass.ORDERS, PlaceOrder, replies.PlaceOrderReply,
            {
                "service": Param("Service ID from services list", 1),
                "link": Param("Target URL for the service: an http or https URL, at most 2,048 characters.",
                              "https://instagram.com/username"),
                "quantity": Param("Quantity (must be within min/max)", 1000),
            },
            {
                **balance,
                422: (
                    "Unknown or disabled service: {id}", QUANTITY_RANGE,
                    "Quantity must be at least {n}: a smaller order would cost 0.00",
                    "This service has no price (0.00 per 1000); it cannot be ordered",
                    "Invalid link: must be at most 2048 characters", "Invalid link: must be an http or https URL",
                ),
            },
        ),
        op(smm.order_status, "smm", RateClass.STATUS, OrderStatus, replies.SmmOrderReply,
           {"order": Param("Order ID", 12345)}, {404: (ORDER_NOT_FOUND,)}),
        op(smm.order_history, "smm", RateClass.STATUS, HistoryPage, replies.SmmOrdersReply, PAGE),
        op(otp.list_countries, "otp", RateClass.LIST, NoParameters, replies.OtpCountriesReply),
        op(otp.list_services, "otp", RateClass.LIST, CountryServices, replies.OtpServicesReply,
           {"country": Param("Country ID", 1)}, {404: ("Country not found",)}),
        op(
            otp.purchase, "otp", RateClass.ORDERS, OtpPurchase, replies.OtpPurchaseReply,
            {"country": Param("Country ID", 1), "service": Param("Service ID", 1)},
            {
                **balance,
                422: ("Unknown service for this country", "No numbers available"),
                503: ("Number provider unavailable, try again later",),
            },
        ),
        op(otp.check, "otp", RateClass.STATUS, OrderRef, replies.OtpCheckReply,
           {"request_id": Param("Request ID from purchase", "abc123")}, {404: (ORDER_NOT_FOUND,)}),
        op(
            otp.cancel, "otp", RateClass.STATUS, OrderRef, replies.OtpCancelReply,
            {"request_id": Param("Request ID from purchase", "abc123")},
            {
                404: (ORDER_NOT_FOUND,),
                422: (
                    "Order already completed (SMS received); it cannot be cancelled",
                    "Order already {status} and refunded; it cannot be cancelled again",
                    "Order is {status}; only a waiting order can be cancelled",
                    "The provider does not allow cancelling this number yet; try again shortly",
                ),
            },
        ),
        op(otp.history, "otp", RateClass.STATUS, HistoryPage, replies.OtpOrdersReply, PAGE),
        op(accounts.list_categories, "accounts", RateClass.LIST, NoParameters, replies.AccountCategoriesReply),
        op(accounts.list_products, "accounts", RateClass.LIST, CategoryProducts, replies.AccountProductsReply,
           {"category": Param("Category ID", 1)}, {404: ("Category not found",)}),
        op(
            accounts.purchase, "accounts", RateClass.ORDERS, AccountPurchase, replies.AccountPurchaseReply,
            {"product": Param("Product ID", 1), "quantity": Param("Quantity (within min/max)", 1)},
            {**balance, 422: ("Product not found or disabled", QUANTITY_RANGE, "Insufficient stock")},
        ),
        op(accounts.order_history, "accounts", RateClass.STATUS, HistoryPage, replies.AccountOrdersReply, PAGE),
        op(accounts.order_details, "accounts", RateClass.STATUS, OrderDetails, replies.AccountOrderReply,
           {"order": Param("Order ID", 10)}, {404: (ORDER_NOT_FOUND,)}),
    ]  # fmt: skip


OPERATIONS: tuple[Operation, ...] = tuple(_operations())
