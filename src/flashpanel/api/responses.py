"""Success responses: the spec's envelope, encoded once with msgspec, rate-limit headers attached.

A handler returns a :class:`JsonReply`, a finished ASGI response that Litestar passes through as is
(a handler may return any ASGI app). Building a Litestar ``Response`` instead, with its header
objects and media-type resolution, cost about a fifth of a GET /balance request (D19)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.types import Receive, Scope, Send

from flashpanel.api.ratelimit import RateHeaders

_encode = msgspec.json.encode
_RATE_HEADERS = "flashpanel.rate_headers"  # where begin() leaves them in the request's scope state
_JSON = (b"content-type", b"application/json")


def remember_rate_headers(request: Request[Any, Any, Any], headers: RateHeaders | None) -> None:
    request.scope.setdefault("state", {})[_RATE_HEADERS] = headers


def rate_headers(request: Request[Any, Any, Any]) -> dict[str, str]:
    headers: RateHeaders | None = request.scope.get("state", {}).get(_RATE_HEADERS)
    return headers.as_headers() if headers else {}


class JsonReply:
    """A JSON body with its status and headers, ready to send."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.body = body
        self.status = status
        self.headers = [_JSON, (b"content-length", str(len(body)).encode())]
        if headers:
            self.headers.extend((name.lower().encode(), value.encode()) for name, value in headers.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def response_headers(request: Request[Any, Any, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The request's rate-limit headers, and ``extra`` ones: what every answer carries."""
    headers = rate_headers(request)
    if extra:
        headers.update(extra)
    return headers


def reply(
    request: Request[Any, Any, Any], body: Any, *, status: int = 200, extra: dict[str, str] | None = None
) -> JsonReply:
    """Any JSON body, with the request's rate-limit headers (and ``extra`` ones)."""
    return JsonReply(_encode(body), status=status, headers=response_headers(request, extra))


def ok(request: Request[Any, Any, Any], data: Any, *, message: str | None = None) -> JsonReply:
    body: dict[str, Any] = {"success": True}
    if message is not None:
        body["message"] = message
    body["data"] = data
    return reply(request, body)


def pagination(*, page: int, limit: int, total: int) -> dict[str, int]:
    return {
        "current_page": page,
        "per_page": limit,
        "total": total,
        "total_pages": (total + limit - 1) // limit,
    }
