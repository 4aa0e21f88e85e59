"""The customer panel's routes, with what only web pages need attached to them, never to the app:
CSRF checks, session dependencies, security headers, HTML error pages. /api requests therefore run
exactly as before (no middleware, no cookie parsing): ``make bench-smoke`` measures it.

A new page module (payments, ordering) adds its handlers to ``web_router``'s list, or builds its own
router with :func:`page_router`: the same protections follow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from flashpanel.web.auth import maybe_viewer, require_viewer
from flashpanel.web.errors import handle_html_error
from flashpanel.web.pages import accounts, home, orders, otp, payments, profile, shop, smm, wallet
from flashpanel.web.security import BASE_HEADERS, as_response_headers, page_headers
from flashpanel.web.site import WebSite
from flashpanel.web.templating import STATIC
from flashpanel.web.unstorable import refuse_unstorable_input

CSRF_COOKIE = "fp_csrf"
CSRF_HEADER = "x-csrftoken"  # htmx sends it on every request: hx-headers on <body> (templates/base.html)


def csrf_config(site: WebSite) -> CSRFConfig:
    """Litestar's CSRF middleware: a token in a cookie, signed with the panel's secret, which every
    unsafe request must repeat in the form field ``_csrf_token`` or the ``X-CSRFToken`` header."""
    return CSRFConfig(
        secret=site.secret.hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,  # pages put the token in forms and hx-headers; no script reads the cookie
        cookie_samesite="lax",
        cookie_secure=(site.settings.public_url or "").startswith("https://"),
    )


def page_router(site: WebSite, handlers: Sequence[ControllerRouterHandler], *, path: str = "/") -> Router:
    """A router for web pages: CSRF on every unsafe method, the ``viewer``/``maybe_viewer``
    dependencies, security headers, HTML error pages, and unstorable input refused before any page runs."""
    return Router(
        path=path,
        route_handlers=list(handlers),
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf_config(site))],
        dependencies={"viewer": Provide(require_viewer), "maybe_viewer": Provide(maybe_viewer)},
        before_request=refuse_unstorable_input,
        response_headers=as_response_headers(page_headers()),
        exception_handlers={Exception: handle_html_error},
        include_in_schema=False,
    )


async def _static_headers(response: Response[Any]) -> Response[Any]:
    response.headers.update(BASE_HEADERS)
    return response


def web_routers(site: WebSite) -> list[Any]:
    """Every route of the customer panel, static files included."""
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        after_request=_static_headers,
        # Pages link assets with a content hash (templating.static_url), so a day of caching is safe.
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
    pages = [*home.routes, *accounts.routes, *profile.routes, *wallet.routes, *payments.routes]
    pages += [*smm.routes, *otp.routes, *shop.routes, *orders.routes]
    return [page_router(site, pages), static]
