"""The dashboard (or, for a visitor, the welcome page) and the API access page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from flashpanel.web.auth import CurrentViewer, MaybeViewer
from flashpanel.web.render import render
from flashpanel.web.site import site_of


@get("/")
async def home(request: Request[Any, Any, Any], maybe_viewer: MaybeViewer) -> Response[Any]:
    if maybe_viewer is None:
        return render(request, "welcome.html")
    return render(request, "dashboard.html")


@get("/api-access")
async def api_access(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Response[Any]:
    return render(request, "api_access.html", base_url=site_of(request).base_url(request) + "/api/v1")


routes = [home, api_access]
