"""The back office's router under ``FLASHPANEL_ADMIN_PATH``: the same protections as the customer
panel's pages (CSRF on every unsafe method, security headers) plus the operator session, the optional
IP allow-list, and HTML error pages of its own (a refusal never shows the customer panel's menu), a
form refused by the CSRF middleware included."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response import Redirect

from flashpanel.admin.access import OperatorLoginRequired, admin_of, allowed_addresses_only, render, require_operator
from flashpanel.admin.forms import MALFORMED
from flashpanel.admin.pages import (
    audit,
    catalog,
    catalog_smm,
    customers,
    dashboard,
    login,
    operators,
    orders,
    payments,
    stock,
)
from flashpanel.errors import FlashpanelError
from flashpanel.web.router import csrf_config
from flashpanel.web.security import as_response_headers, page_headers
from flashpanel.web.site import WebSite
from flashpanel.web.unstorable import refuse_unstorable_input

log = logging.getLogger("flashpanel.admin")

CSRF_REFUSED = (
    "This form was not sent from a page of this panel, or it has expired. Go back, reload the page and try again."
)


def _error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, OperatorLoginRequired):
        location = admin_of(request).url("/login")
        if request.headers.get("hx-request") == "true":
            return Response(b"", status_code=200, headers={"HX-Redirect": location})
        return Redirect(location, status_code=303)
    if isinstance(exc, FlashpanelError):
        status, message = exc.status_code, exc.message
    elif isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        status, message = 403, CSRF_REFUSED
    elif isinstance(exc, NotFoundException):
        status, message = 404, "There is no page at this address."
    elif isinstance(exc, ValidationException):
        status, message = 400, MALFORMED
    elif isinstance(exc, HTTPException) and exc.status_code < 500:
        status, message = exc.status_code, str(exc.detail)
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        status, message = 500, "The back office could not show this page. Try again in a moment."
    title = {
        400: "Bad request",
        403: "Not allowed",
        404: "Page not found",
        409: "Already done",
        429: "Too many attempts",
    }
    return render(request, "admin/error.html", status=status, title=title.get(status, "Refused"), message=message)


def admin_router(site: WebSite) -> Router:
    return Router(
        path=site.settings.admin_path,
        route_handlers=[
            *login.routes,
            *dashboard.routes,
            *customers.routes,
            *orders.routes,
            *audit.routes,
            *stock.routes,
            *catalog.routes,
            *catalog_smm.routes,
            *operators.routes,
            *payments.routes,
        ],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf_config(site))],
        dependencies={"me": Provide(require_operator)},
        guards=[allowed_addresses_only],
        before_request=refuse_unstorable_input,
        response_headers=as_response_headers(page_headers()),
        # Every kind the app maps (api/errors.py) is mapped here too: the closest layer's handler for the
        # most specific kind wins, so ``Exception`` alone would leave HTTPException (the CSRF middleware's
        # refusal among them) and domain errors to the customer panel's pages.
        exception_handlers={FlashpanelError: _error, HTTPException: _error, Exception: _error},
        include_in_schema=False,
    )
