"""Who is looking at a page: the session cookie resolved to a customer, as a Litestar dependency.

A page that needs a customer declares ``viewer: Viewer``; without a live session the request is
answered with a redirect to /login (``LoginRequired``). Pages open to visitors use ``maybe_viewer``.
The back office builds the same on its own :class:`SessionPolicy` (own cookie, own realm)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency

from flashpanel.api.context import app_state
from flashpanel.customers.accounts import Profile, profile
from flashpanel.db.runner import Conn, now
from flashpanel.errors import NotFound
from flashpanel.web.sessions import ActiveSession, SessionPolicy, end_session, find_session, token_digest, touch_session
from flashpanel.web.site import site_of

VIEWER = "flashpanel.viewer"  # where the resolved viewer is kept in the request's scope state


class LoginRequired(Exception):
    """The page needs a logged-in customer; answered with a redirect to /login."""


@dataclass(frozen=True, slots=True)
class Viewer:
    session: ActiveSession
    customer: Profile


# What page handlers declare: ``viewer: CurrentViewer`` (login required) or ``maybe_viewer: MaybeViewer``.
CurrentViewer = NamedDependency[Viewer]
MaybeViewer = NamedDependency[Viewer | None]


def _live_customer(conn: Conn, *, policy: SessionPolicy, digest: str, at: float) -> Viewer | None:
    session = find_session(conn, policy=policy, token_digest=digest, at=at)
    if session is None:
        return None
    try:
        customer = profile(conn, customer_id=session.subject_id)
    except NotFound:
        return None
    return Viewer(session=session, customer=customer) if customer.active else None


async def maybe_viewer(request: Request[Any, Any, Any]) -> Viewer | None:
    """The logged-in customer, or None. Keeps an active session alive (last seen at most a minute ago)."""
    policy = site_of(request).customer_sessions
    token = request.cookies.get(policy.cookie_name)
    if not token:
        return None
    db = app_state(request).db
    at = now()
    viewer = await db.read(_live_customer, policy=policy, digest=token_digest(token), at=at)
    if viewer is None:
        return None
    if at - viewer.session.last_seen_at >= policy.touch_every_seconds:
        await db.write(touch_session, token_digest=viewer.session.token_digest, at=at)
    request.scope.setdefault("state", {})[VIEWER] = viewer
    return viewer


async def adopt_session(request: Request[Any, Any, Any], token: str) -> None:
    """A session was just opened on this request (sign-up): the page it answers shows the customer."""
    policy = site_of(request).customer_sessions
    viewer = await app_state(request).db.read(_live_customer, policy=policy, digest=token_digest(token), at=now())
    request.scope.setdefault("state", {})[VIEWER] = viewer


async def require_viewer(request: Request[Any, Any, Any]) -> Viewer:
    viewer = await maybe_viewer(request)
    if viewer is None:
        raise LoginRequired()
    return viewer


def current_viewer(request: Request[Any, Any, Any]) -> Viewer | None:
    """The viewer a dependency already resolved for this request (for templates and error pages)."""
    viewer: Viewer | None = request.scope.get("state", {}).get(VIEWER)
    return viewer


def set_session_cookie(request: Request[Any, Any, Any], response: Response[Any], token: str) -> None:
    site = site_of(request)
    policy = site.customer_sessions
    response.set_cookie(
        policy.cookie_name,
        token,
        max_age=int(policy.max_seconds),
        httponly=True,
        samesite="lax",
        secure=site.secure_cookies(request),
        path="/",
    )


def clear_session_cookie(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.delete_cookie(site_of(request).customer_sessions.cookie_name, path="/")


async def log_out(request: Request[Any, Any, Any]) -> None:
    """End the session the request's cookie names (if any)."""
    token = request.cookies.get(site_of(request).customer_sessions.cookie_name)
    if token:
        await app_state(request).db.write(end_session, token_digest=token_digest(token))
