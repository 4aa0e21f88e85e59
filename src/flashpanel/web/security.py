"""Response headers every page carries (the panel, its error pages, /docs).

The Content-Security-Policy allows scripts and styles from the panel's own origin only: no inline
script, no ``eval`` (htmx runs with ``allowEval`` off), no CDN. It has no ``form-action``: Chromium
applies that to the redirect after a form is posted, and the payment pages post to the panel, which
then redirects to the gateway's hosted checkout."""

from __future__ import annotations

from litestar.datastructures import ResponseHeader

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes from its script, so /docs also allows inline styles (never scripts).
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

BASE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def page_headers(csp: str = CONTENT_SECURITY_POLICY) -> dict[str, str]:
    """The headers for an HTML page (``csp``: the page's policy)."""
    return {"Content-Security-Policy": csp, **BASE_HEADERS, "Cache-Control": "no-store"}


def as_response_headers(headers: dict[str, str]) -> list[ResponseHeader]:
    """For a router's ``response_headers``: set on every response of its routes."""
    return [ResponseHeader(name=name, value=value) for name, value in headers.items()]
