"""Errors on web pages are HTML pages; errors under /api, /docs, /metrics and /healthz keep the JSON
envelope (``api/errors.py``). ``for_path`` picks one of the two by the request's path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template

from flashpanel.errors import FlashpanelError
from flashpanel.web.auth import LoginRequired, current_viewer
from flashpanel.web.security import page_headers

log = logging.getLogger("flashpanel.web")

JSON_PATH_PREFIXES = ("/api/", "/docs/", "/metrics", "/healthz")
JSON_PATHS = ("/api", "/docs")

Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    429: "Too many requests",
    500: "Something went wrong",
}


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PATH_PREFIXES) or path in JSON_PATHS


def error_page(request: Request[Any, Any, Any], status: int, message: str) -> Template:
    return Template(
        template_name="error.html",
        context={
            "viewer": current_viewer(request),
            "flashes": [],
            "page_exists": lambda path: False,
            "title": TITLES.get(status, "Error"),
            "message": message,
            "status": status,
        },
        status_code=status,
        headers=page_headers(),
    )


def handle_login_required(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/login" if target == "/" else f"/login?next={_quote(target)}"
    if request.headers.get("hx-request") == "true":
        return Response(b"", status_code=200, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def handle_html_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, LoginRequired):
        return handle_login_required(request, exc)
    if isinstance(exc, FlashpanelError):
        return error_page(request, exc.status_code, exc.message)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return error_page(
            request,
            403,
            "This form was not sent from a page of this panel, or it has expired. Go back, reload the page and "
            "try again.",
        )
    if isinstance(exc, NotFoundException):
        return error_page(request, 404, "There is no page at this address.")
    if isinstance(exc, MethodNotAllowedException):
        return error_page(request, 405, "This address does not answer that kind of request.")
    if isinstance(exc, ValidationException):
        if request.method == "GET":  # a query parameter the page cannot read (``?before=`` past 64 bits)
            return error_page(request, 400, "This address holds a value the page cannot read. Check the link.")
        return error_page(request, 400, "The form was incomplete. Go back and fill in every field.")
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return error_page(request, exc.status_code, str(exc.detail))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "The panel could not show this page. Try again in a moment.")


def for_path(json_handler: Handler) -> Handler:
    """An app-level handler: ``json_handler`` for API paths, an HTML page for every other path."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if wants_json(request.url.path):
            return json_handler(request, exc)
        return handle_html_error(request, exc)

    return handle
