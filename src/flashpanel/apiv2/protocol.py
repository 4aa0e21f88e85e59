"""The SMM API v2 wire format: status spellings, id lists, and the ``{"error": "..."}`` shape.

Nothing here touches the database; the handler and the service functions share these helpers so
every action reads ids and spells statuses the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from flashpanel.api.params import Params
from flashpanel.errors import BadRequest, FlashpanelError

MAX_IDS: Final = 100

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


@dataclass(frozen=True, slots=True)
class IdList:
    """Ids as the client sent them. ``valid`` maps each positive integer id to the text it was sent as;
    ``invalid`` holds the texts that are not ids (answered per item with an error)."""

    raw: tuple[str, ...]
    valid: dict[str, int]

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(self.valid.values()))


def parse_id(value: Any) -> int | None:
    """A positive integer id from ``12`` or ``"12"``; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:
            number = int(text)
            return number if number > 0 else None
    return None


def read_ids(params: Params, name: str) -> IdList:
    """Read ``orders=1,2,3`` (or a JSON list) into at most :data:`MAX_IDS` distinct items, in the order
    sent. Blank items are skipped; a repeated id is answered once."""
    value = params.get(name)
    items: Sequence[Any]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRequest(f"Missing required parameter: {name}")
    if isinstance(value, list):
        items = value
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise BadRequest(f"Invalid parameter '{name}': must be a comma-separated list of ids")
    raw: dict[str, None] = {}
    for item in items:
        text = str(item).strip()
        if text:
            raw[text] = None
    if not raw:
        raise BadRequest(f"Missing required parameter: {name}")
    if len(raw) > MAX_IDS:
        raise BadRequest(f"Too many ids in '{name}': at most {MAX_IDS}")
    valid = {text: number for text in raw if (number := parse_id(text)) is not None}
    return IdList(raw=tuple(raw), valid=valid)


def read_id(params: Params, name: str) -> int | None:
    """A single id parameter: None when it is not a positive integer (the caller answers with the
    action's "incorrect id" error); :class:`BadRequest` when it is missing."""
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRequest(f"Missing required parameter: {name}")
    return parse_id(value)


def echo_id(text: str) -> int | str:
    """How an id is echoed in a list reply: as a number when it is one (``{"order": 9, ...}``)."""
    number = parse_id(text)
    return number if number is not None else text
