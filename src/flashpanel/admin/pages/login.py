"""Log-in (name, password, code), first-log-in enrolment of the authenticator, log-out."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from flashpanel.admin import operators, totp
from flashpanel.admin.access import (
    admin_of,
    clear_cookie,
    client_ip,
    end_cookie_session,
    redirect,
    render,
    set_cookie,
)
from flashpanel.admin.forms import Code, OperatorLogin
from flashpanel.api.context import app_state
from flashpanel.api.ratelimit import FailureCounter
from flashpanel.db.runner import now
from flashpanel.errors import FlashpanelError, RateLimited
from flashpanel.web.sessions import find_session, start_session, token_digest
from flashpanel.web.site import site_of


def _counters(request: Request[Any, Any, Any]) -> tuple[FailureCounter, FailureCounter]:
    """Failed operator log-ins per name and per address, kept where the rate limits are (Redis or here)."""
    return app_state(request).operator_login_failures


@get("/login")
async def login_page(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(request, "admin/login.html", name="", error=None)


@post("/login")
async def login(request: Request[Any, Any, Any], data: OperatorLogin) -> Response[Any]:
    state = app_state(request)
    site = admin_of(request)
    per_name, per_ip = _counters(request)
    try:
        outcome = await operators.log_in(
            state.db,
            state.secrets,
            name=data.name,
            password=data.password,
            code=data.code,
            client_ip=client_ip(request),
            per_name=per_name,
            per_ip=per_ip,
        )
    except FlashpanelError as exc:
        refusal = render(request, "admin/login.html", status=exc.status_code, name=data.name, error=exc.message)
        if isinstance(exc, RateLimited):
            refusal.headers["Retry-After"] = str(exc.retry_after)
        return refusal
    if outcome.needs_enrolment:
        token = await state.db.write(start_session, policy=site.enrolment, subject_id=outcome.operator_id)
        response = redirect(request, "/enrol")
        set_cookie(request, response, site.enrolment, token)
        return response
    token = await state.db.write(start_session, policy=site.sessions, subject_id=outcome.operator_id)
    response = redirect(request, "")
    set_cookie(request, response, site.sessions, token)
    return response


async def _enrolling_operator(request: Request[Any, Any, Any]) -> int | None:
    token = request.cookies.get(admin_of(request).enrolment.cookie_name)
    if not token:
        return None
    session = await app_state(request).db.read(
        find_session, policy=admin_of(request).enrolment, token_digest=token_digest(token), at=now()
    )
    return None if session is None else session.subject_id


@get("/enrol")
async def enrol_page(request: Request[Any, Any, Any]) -> Response[Any]:
    operator_id = await _enrolling_operator(request)
    if operator_id is None:
        return redirect(request, "/login", flash="Log in with your name and password first.", level="info")
    return await _enrolment(request, operator_id, error=None, status=200)


async def _enrolment(
    request: Request[Any, Any, Any], operator_id: int, *, error: str | None, status: int
) -> Response[Any]:
    state = app_state(request)
    secret = await state.db.write(operators.enrolment_secret, operator_id=operator_id, secrets=state.secrets)
    operator = await state.db.read(operators.operator_by_id, operator_id=operator_id)
    assert operator is not None
    host = site_of(request).base_url(request).split("://", 1)[-1]
    uri = totp.provisioning_uri(secret, operator=operator.name, panel=host)
    return render(
        request, "admin/enrol.html", status=status, qr=totp.qr_svg(uri), secret=secret, name=operator.name, error=error
    )


@post("/enrol")
async def enrol(request: Request[Any, Any, Any], data: Code) -> Response[Any]:
    state = app_state(request)
    site = admin_of(request)
    operator_id = await _enrolling_operator(request)
    if operator_id is None:
        return redirect(request, "/login", flash="Log in with your name and password first.", level="info")
    accepted = await state.db.write(
        operators.accept_code, operator_id=operator_id, code=data.code, secrets=state.secrets, confirm=True
    )
    if not accepted:
        return await _enrolment(request, operator_id, error="That code is not right; try the current one", status=400)
    await end_cookie_session(request, site.enrolment)
    token = await state.db.write(start_session, policy=site.sessions, subject_id=operator_id)
    response = redirect(request, "", flash="Two-factor log-in is on. Use your authenticator's code from now on.")
    clear_cookie(request, response, site.enrolment)
    set_cookie(request, response, site.sessions, token)
    return response


@post("/logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    site = admin_of(request)
    await end_cookie_session(request, site.sessions)
    response = redirect(request, "/login", flash="You have logged out.", level="info")
    clear_cookie(request, response, site.sessions)
    return response


routes = [login_page, login, enrol_page, enrol, logout]
