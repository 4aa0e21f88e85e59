"""Reading request parameters the way the API's clients send them: query string, JSON body or form."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from flashpanel.errors import BadRequest, InvalidParameter, MissingParameter

Params = dict[str, Any]


async def read_params(request: Request[Any, Any, Any]) -> Params:
    """Query parameters, overlaid by the fields of a JSON object or form body when there is one."""
    params: Params = dict(request.query_params)
    if request.method in ("GET", "HEAD"):
        return params
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = await request.body()
    if not body.strip():
        return params
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise BadRequest(f"Unsupported content type: {content_type}; send JSON or a form")
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise BadRequest("Malformed JSON body") from None
    if not isinstance(decoded, dict):
        raise BadRequest("The JSON body must be an object")
    params.update(decoded)
    return params


def require(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MissingParameter(name)
    return value


def require_int(params: Params, name: str) -> int:
    return as_int(require(params, name), name)


def optional_int(params: Params, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    return as_int(value, name)


def as_int(value: Any, name: str) -> int:
    """Accept 5 and "5"; refuse 5.5, "5.5", "abc", true."""
    if isinstance(value, bool):
        raise InvalidParameter(name, "an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
    raise InvalidParameter(name, "an integer")


def require_str(params: Params, name: str) -> str:
    value = require(params, name)
    if not isinstance(value, str):
        raise InvalidParameter(name, "a string")
    return value.strip()


def page_and_limit(params: Params) -> tuple[int, int]:
    """Pagination as the spec describes: page ≥ 1 (default 1), limit clamped to 1..100 (default 20)."""
    page = max(1, optional_int(params, "page", 1))
    limit = min(100, max(1, optional_int(params, "limit", 20)))
    return page, limit
