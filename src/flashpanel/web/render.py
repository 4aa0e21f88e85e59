"""Answering a page request: a template with the common context, a redirect with a flash message."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from flashpanel.web.auth import current_viewer
from flashpanel.web.flash import FLASH_COOKIE, Level, add_flash, take_flashes
from flashpanel.web.security import page_headers
from flashpanel.web.site import site_of


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx sent the request (it then expects a fragment, not a whole page)."""
    return request.headers.get("hx-request") == "true"


def page_exists(request: Request[Any, Any, Any], path: str) -> bool:
    """Whether the app serves ``path``: the dashboard links a product line's page once it is built."""
    return path in request.app.route_handler_method_map


def render(request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Template:
    """``template`` with ``context``, plus what every page uses: the viewer, pending flash messages and
    ``page_exists``. Flash messages shown here are cleared from the browser."""
    site = site_of(request)
    flashes = take_flashes(request, site.secret)
    response = Template(
        template_name=template,
        context={
            "viewer": current_viewer(request),
            "flashes": flashes,
            "page_exists": lambda path: page_exists(request, path),
            **context,
        },
        status_code=status,
        headers=page_headers(),
    )
    if flashes:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(
    request: Request[Any, Any, Any], path: str, *, flash: str | None = None, level: Level = "success"
) -> Redirect:
    """303 See Other to ``path`` (after a form post), optionally carrying a flash message."""
    response = Redirect(path, status_code=303)
    if flash:
        site = site_of(request)
        add_flash(response, site.secret, flash, level, secure=site.secure_cookies(request))
    return response


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path on this site only (``/wallet``), never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
