"""The SMM API v2 wire format: status spellings, echoed ids, and the ``{"error": "..."}`` shape.

Nothing here touches the database; the handler and the answers (``answers.py``) share these helpers so
every action reads ids and spells statuses the same way.
"""

from __future__ import annotations

from typing import Final

from flashpanel.bounds import ID, read_integer, within
from flashpanel.errors import FlashpanelError

# flashpanel's order statuses → the protocol's canonical spelling (one "l" in Canceled).
ORDER_STATUS: Final[dict[str, str]] = {
    "pending": "Pending",
    "processing": "Processing",
    "in_progress": "In progress",
    "completed": "Completed",
    "partial": "Partial",
    "cancelled": "Canceled",
}

REFILL_STATUS: Final[dict[str, str]] = {
    "pending": "Pending",
    "in_progress": "In progress",
    "completed": "Completed",
    "rejected": "Rejected",
}

INCORRECT_REQUEST: Final = "Incorrect request"
INCORRECT_ORDER_ID: Final = "Incorrect order ID"
REFILL_NOT_FOUND: Final = "Refill not found"


class V2Error(FlashpanelError):
    """A protocol-level refusal (unknown action, malformed id list). Sent as ``{"error": message}``."""

    status_code = 400
    message = INCORRECT_REQUEST


def order_status(status: str) -> str:
    return ORDER_STATUS.get(status, status)


def refill_status(status: str) -> str:
    return REFILL_STATUS.get(status, status)


def error(message: str) -> dict[str, str]:
    return {"error": message}


def echo_id(text: str) -> int | str:
    """How an id is echoed in a list reply: as a number when it is one (``{"order": 9, ...}``)."""
    number = read_integer(text)
    return number if number is not None and within(number, ID) else text
