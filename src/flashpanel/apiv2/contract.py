"""/api/v2 as declared in the OpenAPI document: one path, GET or POST, and per action its parameters (with
docs/api-v2.md's examples), what it answers and the refusals it can send (``{"error": "..."}``, HTTP 200).

The messages are written out as the protocol sends them, not imported from where they are raised: the
contract tests and schemathesis then check the code against this declaration, not against itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import msgspec

from flashpanel.api.contract import (
    BODY_REFUSALS,
    INSUFFICIENT_BALANCE,
    INVALID_KEY,
    RATE_LIMITED,
    SERVER_ERROR,
    TOO_LARGE,
    Param,
    parameter_messages,
)
from flashpanel.api.schemas import NoParameters
from flashpanel.api.v1.contract import QUANTITY_RANGE
from flashpanel.apiv2.replies import ACTION_REPLIES
from flashpanel.apiv2.schemas import Add, CancelIds, OrderIds, RefillIds

PATH: Final = "/api/v2"
INCORRECT_ORDER_ID: Final = "Incorrect order ID"


@dataclass(frozen=True, slots=True)
class ActionContract:
    request: type[msgspec.Struct]
    description: str
    params: dict[str, Param]
    replies: tuple[object, ...]
    refusals: tuple[str, ...] = ()


ORDER = Param("One order id. A reply for one order.", 23501)
ORDERS = Param("Up to 100 order ids, comma-separated (wins over `order`). A reply per id.", "23501,23502,9")

ACTIONS: Final = {
    "services": ActionContract(NoParameters, "The SMM services on sale.", {}, ACTION_REPLIES["services"]),
    "add": ActionContract(
        Add,
        "Place an order (charged at once); with `runs` and `interval`, a drip-feed of `quantity` per run.",
        {
            "service": Param("Service id from `services`.", 1),
            "link": Param("Target URL: an http or https URL, at most 2,048 characters.", "https://instagram.com/username"),
            "quantity": Param("Quantity (within the service's min/max; per run for a drip-feed).", 1000),
            "runs": Param("Drip-feed: how many runs (1..1000).", 4),
            "interval": Param("Drip-feed: minutes between runs (0..1440); required with `runs`.", 30),
        },
        ACTION_REPLIES["add"],
        (
            "Unknown or disabled service: {id}",
            QUANTITY_RANGE,
            "Quantity must be at least {n}: a smaller order would cost 0.00",
            "This service has no price (0.00 per 1000); it cannot be ordered",
            "Invalid link: must be at most 2048 characters",
            "Invalid link: must be an http or https URL",
            INSUFFICIENT_BALANCE,
            "Drip-feed is not available for this service",
            "Runs must be between 1 and {max}",
            "Interval must be between 0 and {max} minutes",
            "Quantity must be positive",
            "Quantity must be at least {n} per run ({runs} runs): a smaller order would cost 0.00",
            "Missing required parameter: interval",
        ),
    ),
    "status": ActionContract(
        OrderIds,
        "One order's status (`order`) or up to 100 (`orders`, keyed by the id as sent).",
        {"order": ORDER, "orders": ORDERS},
        ACTION_REPLIES["status"],
        (INCORRECT_ORDER_ID, "Missing required parameter: order"),
    ),
    "refill": ActionContract(
        OrderIds,
        "Ask for a refill of a completed order (`order`), or of up to 100 (`orders`).",
        {"order": ORDER, "orders": ORDERS},
        ACTION_REPLIES["refill"],
        (
            INCORRECT_ORDER_ID,
            "Missing required parameter: order",
            "Refill is not available for this service",
            "Only a completed order can be refilled",
        ),
    ),
    "refill_status": ActionContract(
        RefillIds,
        "One refill's status (`refill`) or up to 100 (`refills`).",
        {
            "refill": Param("One refill id.", 1),
            "refills": Param("Up to 100 refill ids, comma-separated (wins over `refill`).", "1,2,3"),
        },
        ACTION_REPLIES["refill_status"],
        ("Refill not found", "Missing required parameter: refill"),
    ),
    "cancel": ActionContract(
        CancelIds,
        "Cancel up to 100 orders: at once (refunded) if not yet sent upstream, else forwarded to the provider.",
        {"orders": ORDERS, "order": Param("Also accepted: order ids, read like `orders`.", 23501)},
        ACTION_REPLIES["cancel"],
        (
            INCORRECT_ORDER_ID,
            "Missing required parameter: orders",
            "This order cannot be canceled",
            "Cancel is not available for this service",
        ),
    ),
    "balance": ActionContract(NoParameters, "The wallet's balance.", {}, ACTION_REPLIES["balance"]),
}


def refusals() -> tuple[str, ...]:
    """Every ``{"error": ...}`` message /api/v2 answers with HTTP 200, whatever the action."""
    messages = [INVALID_KEY, "Incorrect request", *BODY_REFUSALS]
    for action in ACTIONS.values():
        messages += [*parameter_messages(action.request, lenient_ids=True), *action.refusals]
    return tuple(dict.fromkeys(messages))


# The statuses that keep theirs on /api/v2 (apiv2/routes.py::http_status), with their messages.
OTHER_STATUSES: Final = {413: (TOO_LARGE,), 429: RATE_LIMITED, 500: (SERVER_ERROR,)}
