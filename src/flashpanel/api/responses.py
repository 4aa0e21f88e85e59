"""Success responses: the spec's envelope, encoded once with msgspec, rate-limit headers attached."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response

from flashpanel.api.ratelimit import RateHeaders

_encode = msgspec.json.encode


def rate_headers(request: Request[Any, Any, Any]) -> dict[str, str]:
    headers: RateHeaders | None = request.state.get("rate_headers")
    return headers.as_headers() if headers else {}


def ok(request: Request[Any, Any, Any], data: Any, *, message: str | None = None) -> Response[bytes]:
    body: dict[str, Any] = {"success": True}
    if message is not None:
        body["message"] = message
    body["data"] = data
    return Response(_encode(body), media_type="application/json", headers=rate_headers(request))


def pagination(*, page: int, limit: int, total: int) -> dict[str, int]:
    return {
        "current_page": page,
        "per_page": limit,
        "total": total,
        "total_pages": (total + limit - 1) // limit,
    }
