"""The one error envelope: ``{"success": false, "error": "..."}`` for every failure, framework ones too."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException

from flashpanel.api.responses import response_headers
from flashpanel.errors import FlashpanelError, RateLimited

log = logging.getLogger("flashpanel.api")


def error_response(
    request: Request[Any, Any, Any], status: int, message: str, extra_headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        msgspec.json.encode({"success": False, "error": message}),
        status_code=status,
        media_type="application/json",
        headers=response_headers(request, extra_headers),
    )


def handle_domain_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, FlashpanelError)
    extra = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(request, exc.status_code, exc.message, extra)


def handle_http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, NotFoundException):
        return error_response(request, 404, f"Not found: {request.method} {request.url.path}")
    if isinstance(exc, MethodNotAllowedException):
        # Litestar's router names the route's methods in a lower-case "allow" header.
        allow = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), None)
        return error_response(
            request,
            405,
            f"Method {request.method} not allowed for {request.url.path}",
            {"Allow": allow} if allow else None,
        )
    if exc.status_code >= 500:
        return handle_unexpected_error(request, exc)
    return error_response(request, exc.status_code, str(exc.detail) or "Bad request")


def handle_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "Internal server error")


EXCEPTION_HANDLERS = {
    FlashpanelError: handle_domain_error,
    HTTPException: handle_http_error,
    Exception: handle_unexpected_error,
}
