"""/docs without a CDN or an inline script: Swagger UI from the vendored copy, started by a static
file (``static/docs.js``) that reads the schema's address from a data attribute. The /docs router
carries the same security headers as the panel's pages."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import SwaggerRenderPlugin

from flashpanel.web.security import DOCS_CONTENT_SECURITY_POLICY, as_response_headers, page_headers
from flashpanel.web.templating import static_url


class VendoredSwagger(SwaggerRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        schema_url = html.escape(request.url.path.rstrip("/") + "/openapi.json")
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{static_url("favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="{static_url("vendor/swagger-ui/swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui" data-schema-url="{schema_url}"></div>
<script src="{static_url("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
<script src="{static_url("docs.js")}"></script>
</body>
</html>
""".encode()


def _not_found_as_the_envelope(response: Response[Any]) -> Response[Any]:
    """Litestar answers an unknown path under /docs with an HTML page: answer it as any unknown path."""
    if response.status_code == 404:
        raise NotFoundException()
    return response


def docs_router() -> Router:
    return Router(
        path="/docs",
        route_handlers=[],
        response_headers=as_response_headers(page_headers(DOCS_CONTENT_SECURITY_POLICY)),
        after_request=_not_found_as_the_envelope,
    )
