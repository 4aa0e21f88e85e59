"""What the /api/v1 endpoints answer, declared as msgspec Structs: the OpenAPI document's schemas
(api/openapi.py) and what the contract tests decode every served body into.

The handlers still build their bodies as dicts and encode them once (D19); these Structs are the
declaration those bytes are checked against. Every Struct is closed (``forbid_unknown_fields``): the API
document fixes each shape, so a field the document does not show is a contract failure, not an extra.
Field order is the order the handlers send."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

Money = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]+\.[0-9]{2}$",
        description="An amount in the panel currency: a string with exactly two decimals.",
        examples=["15000.00"],
    ),
]
Currency = Annotated[str, msgspec.Meta(description="The panel currency (FLASHPANEL_CURRENCY).", examples=["NGN"])]
Timestamp = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$",
        description="ISO 8601 in UTC, to the second, with an explicit +00:00.",
        examples=["2026-01-29T10:30:00+00:00"],
    ),
]
SmmStatus = Literal["pending", "processing", "in_progress", "completed", "partial", "cancelled"]
OtpStatus = Literal["pending", "waiting", "completed", "expired", "cancelled", "failed"]


class Closed(msgspec.Struct, forbid_unknown_fields=True):
    """A reply shape the API document fixes: no other field may appear."""


class ErrorReply(Closed):
    """Every /api/v1 failure: ``{"success": false, "error": "..."}``."""

    success: Literal[False]
    error: str


class Pagination(Closed):
    current_page: int
    per_page: int
    total: int
    total_pages: int


# -- wallet and SMM ---------------------------------------------------------------------------------
class Balance(Closed):
    balance: Money
    currency: Currency


class SmmService(Closed):
    service_id: int
    name: str
    category: str
    type: str
    rate: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+\.[0-9]{2}$", description="Price per 1000.")]
    min: int
    max: int
    description: str


class PlacedOrder(Closed):
    order_id: int
    service: str
    link: str
    quantity: int
    charge: Money
    status: Literal["pending"]
    balance: Money
    currency: Currency


class SmmOrder(Closed):
    order_id: int
    service: str
    link: str
    quantity: int
    charge: Money
    status: SmmStatus
    start_count: int | None
    remains: int
    created_at: Timestamp


class SmmOrderPage(Closed):
    orders: list[SmmOrder]
    pagination: Pagination


# -- OTP --------------------------------------------------------------------------------------------
class OtpCountry(Closed):
    id: int
    name: str
    code: str


class OtpService(Closed):
    service_id: int
    name: str
    code: str
    price: Money
    available: int


class OtpPurchase(Closed):
    order_id: int
    phone_number: str
    request_id: str
    service: str
    country: str
    charge: Money
    status: Literal["active"]
    balance: Money
    currency: Currency


class OtpCheck(Closed):
    order_id: int
    phone_number: str | None
    status: OtpStatus
    sms_code: str | None


class OtpCancel(Closed):
    order_id: int
    refund_amount: Money
    balance: Money


class OtpOrder(Closed):
    order_id: int
    request_id: str
    phone_number: str | None
    service: str
    country: str
    charge: Money
    status: OtpStatus
    sms_code: str | None
    created_at: Timestamp


class OtpOrderPage(Closed):
    orders: list[OtpOrder]
    pagination: Pagination


# -- Accounts ---------------------------------------------------------------------------------------
class AccountCategory(Closed):
    id: int
    name: str
    icon: str


class AccountProduct(Closed):
    product_id: int
    name: str
    price: Money
    stock: int
    min: int
    max: int
    description: str


class Account(Closed):
    """A delivered line split at its first colon (docs/api.md, Accounts)."""

    email: str
    password: str


class AccountPurchase(Closed):
    order_id: int
    product: str
    quantity: int
    charge: Money
    status: Literal["completed"]
    accounts: list[Account]
    balance: Money
    currency: Currency


class AccountOrder(Closed):
    order_id: int
    product: str
    quantity: int
    charge: Money
    status: Literal["completed"]
    accounts: list[str]
    created_at: Timestamp


class AccountOrderPage(Closed):
    orders: list[AccountOrder]
    pagination: Pagination


class AccountOrderDetails(Closed):
    order_id: int
    product: str
    quantity: int
    price_per_unit: Money
    charge: Money
    status: Literal["completed"]
    accounts: list[str]
    created_at: Timestamp


# -- the success envelope ---------------------------------------------------------------------------
def envelope(name: str, data: Any, message: str | None = None) -> type[msgspec.Struct]:
    """The closed success body ``{"success": true[, "message": "..."], "data": ...}`` of one endpoint."""
    fields: list[tuple[str, Any]] = [("success", Literal[True])]
    if message is not None:
        fields.append(("message", Literal[message]))
    fields.append(("data", data))
    return msgspec.defstruct(name, fields, bases=(Closed,), module=__name__)


BalanceReply = envelope("BalanceReply", Balance)
SmmServicesReply = envelope("SmmServicesReply", list[SmmService])
PlaceOrderReply = envelope("PlaceOrderReply", PlacedOrder, "Order placed successfully")
SmmOrderReply = envelope("SmmOrderReply", SmmOrder)
SmmOrdersReply = envelope("SmmOrdersReply", SmmOrderPage)
OtpCountriesReply = envelope("OtpCountriesReply", list[OtpCountry])
OtpServicesReply = envelope("OtpServicesReply", list[OtpService])
OtpPurchaseReply = envelope("OtpPurchaseReply", OtpPurchase, "Number purchased successfully")
OtpCheckReply = envelope("OtpCheckReply", OtpCheck)
OtpCancelReply = envelope("OtpCancelReply", OtpCancel, "Order cancelled and refunded successfully")
OtpOrdersReply = envelope("OtpOrdersReply", OtpOrderPage)
AccountCategoriesReply = envelope("AccountCategoriesReply", list[AccountCategory])
AccountProductsReply = envelope("AccountProductsReply", list[AccountProduct])
AccountPurchaseReply = envelope("AccountPurchaseReply", AccountPurchase, "Account(s) purchased successfully")
AccountOrdersReply = envelope("AccountOrdersReply", AccountOrderPage)
AccountOrderReply = envelope("AccountOrderReply", AccountOrderDetails)
