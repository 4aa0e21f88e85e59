"""Who is using the back office: the operator's session (own cookie, own realm, shorter idle), the
optional IP allow-list, and rendering a back-office page with what every page needs."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from flashpanel.admin.audit import Actor
from flashpanel.admin.operators import ENROLMENT_REALM, OPERATOR_REALM, Operator, operator_by_id
from flashpanel.admin.roles import Permission, allows
from flashpanel.api.context import app_state
from flashpanel.config import Settings
from flashpanel.db.runner import Conn, now
from flashpanel.web.flash import FLASH_COOKIE, Level, add_flash, take_flashes
from flashpanel.web.security import page_headers
from flashpanel.web.sessions import ActiveSession, SessionPolicy, end_session, find_session, token_digest, touch_session
from flashpanel.web.site import site_of

OPERATOR_STATE = "flashpanel.operator"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class AdminSite:
    prefix: str  # FLASHPANEL_ADMIN_PATH, e.g. /admin
    sessions: SessionPolicy
    enrolment: SessionPolicy
    allowed: tuple[Network, ...]  # empty: any address

    def url(self, path: str = "") -> str:
        return self.prefix + path


def admin_site(settings: Settings) -> AdminSite:
    return AdminSite(
        prefix=settings.admin_path,
        sessions=SessionPolicy(
            realm=OPERATOR_REALM,
            cookie_name="fp_admin",
            idle_seconds=settings.admin_session_idle_minutes * 60,
            max_seconds=settings.admin_session_max_hours * 3600,
        ),
        enrolment=SessionPolicy(realm=ENROLMENT_REALM, cookie_name="fp_admin_enrol", idle_seconds=600, max_seconds=600),
        allowed=parse_networks(settings.admin_allowed_ips),
    )


def parse_networks(text: str) -> tuple[Network, ...]:
    """``FLASHPANEL_ADMIN_ALLOWED_IPS``: addresses or networks, comma-separated. A typo fails start-up."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def admin_of(request: ASGIConnection[Any, Any, Any, Any]) -> AdminSite:
    site: AdminSite = request.app.state.admin
    return site


def client_ip(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def address_allowed(site: AdminSite, address: str) -> bool:
    if not site.allowed:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in site.allowed)


def allowed_addresses_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Router guard: outside the allow-list the back office does not exist (404, no hint)."""
    if not address_allowed(admin_of(connection), client_ip(connection)):
        raise NotFoundException()


class OperatorLoginRequired(Exception):
    """The page needs a logged-in operator; answered with a redirect to the back office's log-in."""


@dataclass(frozen=True, slots=True)
class OperatorView:
    session: ActiveSession
    operator: Operator
    address: str

    @property
    def actor(self) -> Actor:
        return Actor(
            name=self.operator.name, role=self.operator.role, address=self.address, operator_id=self.operator.id
        )

    def can(self, permission: str) -> bool:
        return allows(self.operator.role, Permission(permission))


CurrentOperator = NamedDependency[OperatorView]


def _live_operator(
    conn: Conn, *, policy: SessionPolicy, digest: str, at: float
) -> tuple[ActiveSession, Operator] | None:
    session = find_session(conn, policy=policy, token_digest=digest, at=at)
    if session is None:
        return None
    operator = operator_by_id(conn, operator_id=session.subject_id)
    if operator is None or not operator.active or not operator.enrolled:
        return None
    return session, operator


async def require_operator(request: Request[Any, Any, Any]) -> OperatorView:
    site = admin_of(request)
    token = request.cookies.get(site.sessions.cookie_name)
    if not token:
        raise OperatorLoginRequired()
    db = app_state(request).db
    at = now()
    found = await db.read(_live_operator, policy=site.sessions, digest=token_digest(token), at=at)
    if found is None:
        raise OperatorLoginRequired()
    session, operator = found
    if at - session.last_seen_at >= site.sessions.touch_every_seconds:
        await db.write(touch_session, token_digest=session.token_digest, at=at)
    view = OperatorView(session=session, operator=operator, address=client_ip(request))
    request.scope.setdefault("state", {})[OPERATOR_STATE] = view
    return view


def current_operator(request: Request[Any, Any, Any]) -> OperatorView | None:
    view: OperatorView | None = request.scope.get("state", {}).get(OPERATOR_STATE)
    return view


def set_cookie(request: Request[Any, Any, Any], response: Response[Any], policy: SessionPolicy, token: str) -> None:
    web = site_of(request)
    response.set_cookie(
        policy.cookie_name,
        token,
        max_age=int(policy.max_seconds),
        httponly=True,
        samesite="strict",  # the back office is never entered from a link on another site
        secure=web.secure_cookies(request),
        path=admin_of(request).prefix,
    )


def clear_cookie(request: Request[Any, Any, Any], response: Response[Any], policy: SessionPolicy) -> None:
    response.delete_cookie(policy.cookie_name, path=admin_of(request).prefix)


async def end_cookie_session(request: Request[Any, Any, Any], policy: SessionPolicy) -> None:
    token = request.cookies.get(policy.cookie_name)
    if token:
        await app_state(request).db.write(end_session, token_digest=token_digest(token))


def render(request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Template:
    """A back-office page: ``template`` with the operator, the prefix and pending flash messages."""
    web = site_of(request)
    flashes = take_flashes(request, web.secret)
    response = Template(
        template_name=template,
        context={
            "me": current_operator(request),
            "prefix": admin_of(request).prefix,
            "flashes": flashes,
            "new_request_id": new_request_id,
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
    """303 to ``path`` under the back office's prefix, optionally with a flash message."""
    response = Redirect(admin_of(request).url(path), status_code=303)
    if flash:
        web = site_of(request)
        add_flash(response, web.secret, flash, level, secure=web.secure_cookies(request))
    return response


def new_request_id() -> str:
    """A one-time id for a form that changes something (admin/forms.py, admin/audit.py)."""
    return secrets.token_urlsafe(18)
