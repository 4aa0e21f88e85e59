"""What /api/v2 answers, per action, declared as msgspec Structs (docs/api-v2.md gives the shapes): the
OpenAPI document's schemas and what the contract tests check served bodies against. Closed, like v1's."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from flashpanel.api.v1.replies import Closed, Currency, Money

V2OrderStatus = Literal["Pending", "Processing", "In progress", "Completed", "Partial", "Canceled"]
V2RefillStatus = Literal["Pending", "In progress", "Completed", "Rejected"]
Digits = Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$", examples=["100"])]
EchoedId = Annotated[
    int | str, msgspec.Meta(description="The id as sent: a number when it is a valid id, else the text sent.")
]


class Refusal(Closed):
    """Every refusal, whole or of one id in a multi reply: ``{"error": "..."}``."""

    error: str


class V2Service(Closed):
    service: int
    name: str
    type: str
    category: str
    rate: Money
    min: Digits
    max: Digits
    refill: bool
    cancel: bool
    dripfeed: bool


class Added(Closed):
    order: int


class OrderState(Closed):
    charge: Money
    start_count: Digits
    status: V2OrderStatus
    remains: Digits
    currency: Currency


class OrderStateOrRefusal:
    """Schema marker (api/openapi.py): an :class:`OrderState` or a :class:`Refusal`, one per id sent."""


OrderStates = dict[str, OrderStateOrRefusal]


class RefillCreated(Closed):
    refill: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$", description="The refill id, as a string.")]


class RefillItem(Closed):
    order: EchoedId
    refill: int | Refusal


class RefillState(Closed):
    status: V2RefillStatus


class RefillStateItem(Closed):
    refill: EchoedId
    status: V2RefillStatus | Refusal


class CancelItem(Closed):
    order: EchoedId
    cancel: Literal[1] | Refusal


class V2Balance(Closed):
    balance: Money
    currency: Currency


# Union markers and what each one stands for, for the schema generator.
ALTERNATIVES: dict[type, tuple[type[msgspec.Struct], ...]] = {OrderStateOrRefusal: (OrderState, Refusal)}

# What each action answers when it succeeds (a refusal is a Refusal, with HTTP 200 but for 413, 429, 500).
ACTION_REPLIES: dict[str, tuple[object, ...]] = {
    "services": (list[V2Service],),
    "add": (Added,),
    "status": (OrderState, OrderStates),
    "refill": (RefillCreated, list[RefillItem]),
    "refill_status": (RefillState, list[RefillStateItem]),
    "cancel": (list[CancelItem],),
    "balance": (V2Balance,),
}
