"""/docs without a CDN or an inline script: Swagger UI from the vendored copy, started by a static
file (``static/docs.js``) that reads the schema's address from a data attribute, and the OpenAPI
document (api/openapi.py) at /docs/openapi.json. The /docs router carries the same security headers as
the panel's pages; no request made by the page leaves the server it came from."""

from __future__ import annotations

from litestar import MediaType, Response, Router, get

from flashpanel.api.openapi import document_bytes
from flashpanel.web.security import DOCS_CONTENT_SECURITY_POLICY, as_response_headers, page_headers
from flashpanel.web.templating import static_url

TITLE = "flashpanel API"


def reference_page() -> bytes:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE}</title>
<link rel="icon" href="{static_url("favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="{static_url("vendor/swagger-ui/swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui" data-schema-url="/docs/openapi.json"></div>
<script src="{static_url("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
<script src="{static_url("docs.js")}"></script>
</body>
</html>
""".encode()


@get("/", media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=False)
def reference() -> Response[bytes]:
    return Response(reference_page(), media_type=MediaType.HTML)


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_document() -> Response[bytes]:
    return Response(document_bytes(), media_type=MediaType.JSON)


def docs_router() -> Router:
    return Router(
        path="/docs",
        route_handlers=[reference, openapi_document],
        response_headers=as_response_headers(page_headers(DOCS_CONTENT_SECURITY_POLICY)),
    )
