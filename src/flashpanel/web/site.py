"""What every web page needs besides the process state: the session policy and the signing secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from flashpanel.config import Settings
from flashpanel.customers.accounts import CUSTOMER_REALM
from flashpanel.web.sessions import SessionPolicy


@dataclass(frozen=True, slots=True)
class WebSite:
    settings: Settings
    secret: bytes  # signs flash cookies and CSRF tokens (derived from the secret key file)
    customer_sessions: SessionPolicy

    def base_url(self, request: Request[Any, Any, Any]) -> str:
        """The panel's public address: ``FLASHPANEL_PUBLIC_URL``, else the address this request came to."""
        return self.settings.public_url or str(request.base_url).rstrip("/")

    def secure_cookies(self, request: Request[Any, Any, Any]) -> bool:
        """Cookies are ``Secure`` when the panel is served over https (its public URL says so, or,
        without one, this request came over https)."""
        return self.base_url(request).startswith("https://")


def customer_session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(
        realm=CUSTOMER_REALM,
        cookie_name="fp_session",
        idle_seconds=settings.session_idle_minutes * 60,
        max_seconds=settings.session_max_days * 86400,
    )


def site_of(request: Request[Any, Any, Any]) -> WebSite:
    site: WebSite = request.app.state.web
    return site
