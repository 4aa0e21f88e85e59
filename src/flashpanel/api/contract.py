"""The declared contract of an API operation: its request Struct, each parameter's description and example
(from the API document), the body it answers on success, and every error status with its messages.

``api/v1/contract.py`` lists the 16 /api/v1 operations and ``apiv2/contract.py`` the /api/v2 actions;
``api/openapi.py`` turns both into the OpenAPI document served at /docs/openapi.json. A message is written
as the API answers it; ``{name}`` stands for a part that varies (``Quantity must be between {min} and
{max}``), and the document turns it into a pattern the served message must match."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, get_args

import msgspec

from flashpanel.api.ratelimit import RateClass
from flashpanel.bounds import PARAMETERS, IdList


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter as the API document describes it, with the document's example value."""

    description: str
    example: object


@dataclass(frozen=True, slots=True)
class Operation:
    """One /api/v1 endpoint: ``method`` ``path`` decoded into ``request`` (its fields are the parameters,
    in the query string for a GET, in the body for a POST), answered with ``reply`` (200) or one of the
    ``errors`` (status -> message templates; 401, 429 and 500 are every operation's, see :func:`errors_of`)."""

    method: str
    path: str
    summary: str
    description: str
    tag: str
    rate_class: RateClass
    request: type[msgspec.Struct]
    params: Mapping[str, Param]
    reply: type[msgspec.Struct]
    errors: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def reads_body(self) -> bool:
        return self.method != "GET"

    @property
    def operation_id(self) -> str:
        return self.method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", self.path.removeprefix("/api")).rstrip("_")


INVALID_KEY: Final = "Invalid API key"
RATE_LIMITED: Final = ("Rate limit exceeded, retry later", "Too many invalid API keys from this address, retry later")
SERVER_ERROR: Final = "Internal server error"
INSUFFICIENT_BALANCE: Final = "Insufficient balance"
ORDER_NOT_FOUND: Final = "Order not found"
# Refusals of a body that cannot be read (api/params.py), on every operation that reads one.
BODY_REFUSALS: Final = (
    "Malformed JSON body",
    "The JSON body must be an object",
    "Malformed form body",
    "Unsupported content type: {type}; send JSON or a form",
)
TOO_LARGE: Final = "Request body too large: at most {bytes} bytes"


def parameter_messages(request: type[msgspec.Struct], *, lenient_ids: bool = False) -> tuple[str, ...]:
    """The 400 messages decoding ``request`` can answer (api/decode.py), from its fields and their bounds."""
    messages: list[str] = []
    for info in msgspec.structs.fields(request):
        name, bound = info.name, PARAMETERS[info.name]
        if info.required:
            messages.append(f"Missing required parameter: {name}")
        kind = next((arg for arg in get_args(info.type) if arg is not type(None)), info.type)  # X | None -> X
        if kind is int and not (lenient_ids and bound.names_a_row):
            messages.append(f"Invalid parameter '{name}': must be an integer")
            if not bound.names_a_row:
                messages.append(f"Invalid parameter '{name}': must be an integer between {bound.low} and {bound.high}")
        elif kind is str and not bound.any_json_as_text:
            messages.append(f"Invalid parameter '{name}': must be a string")
        elif kind is IdList:
            messages += [
                f"Missing required parameter: {name}",
                f"Too many ids in '{name}': at most {bound.max_items}",
                f"Invalid parameter '{name}': must be a comma-separated list of ids",  # a JSON object, a boolean...
            ]
    return tuple(dict.fromkeys(messages))


def errors_of(operation: Operation) -> dict[int, tuple[str, ...]]:
    """Every status ``operation`` can answer besides 200, with its messages, in status order."""
    errors: dict[int, list[str]] = {401: [INVALID_KEY], 429: list(RATE_LIMITED), 500: [SERVER_ERROR]}
    bad_request = list(parameter_messages(operation.request))
    if operation.reads_body:
        bad_request += BODY_REFUSALS
        errors[413] = [TOO_LARGE]
    if bad_request:
        errors[400] = bad_request
    for status, messages in operation.errors.items():
        errors.setdefault(status, []).extend(messages)
    return {status: tuple(dict.fromkeys(errors[status])) for status in sorted(errors)}


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\/])")  # escaped for ECMA-262 too (re.escape also escapes spaces)


def message_pattern(template: str) -> str | None:
    """The regular expression a templated message matches (``{name}`` is any text), or None when the
    message is fixed."""
    if not _PLACEHOLDER.search(template):
        return None
    parts = _PLACEHOLDER.split(template)
    return "^" + ".+".join(_SPECIAL.sub(r"\\\1", part) for part in parts) + "$"
