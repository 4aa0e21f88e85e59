"""Sign-up, log-in, log-out, and the forgotten-password pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.api.context import app_state
from flashpanel.customers import accounts
from flashpanel.errors import FlashpanelError, RateLimited
from flashpanel.mail import mailer_for
from flashpanel.web.auth import MaybeViewer, adopt_session, clear_session_cookie, log_out, set_session_cookie
from flashpanel.web.forms import Forgot, Login, Reset, Signup
from flashpanel.web.render import redirect, render, safe_next
from flashpanel.web.sessions import start_session
from flashpanel.web.site import site_of

SIGNUP_CLOSED = "Sign-up is closed"


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get("/signup")
async def signup_page(request: Request[Any, Any, Any], maybe_viewer: MaybeViewer) -> Response[Any]:
    if site_of(request).settings.signup == "closed":
        return render(request, "signup_closed.html", status=403, message=SIGNUP_CLOSED)
    if maybe_viewer is not None:
        return redirect(request, "/")
    return render(request, "signup.html", form=None, error=None)


@post("/signup")
async def signup(request: Request[Any, Any, Any], data: Signup) -> Response[Any]:
    site = site_of(request)
    if site.settings.signup == "closed":
        return render(request, "signup_closed.html", status=403, message=SIGNUP_CLOSED)
    db = app_state(request).db
    try:
        account = await accounts.sign_up(
            db, name=data.username, email=data.email, password=data.password, confirm=data.confirm_password
        )
    except FlashpanelError as exc:
        return render(request, "signup.html", status=exc.status_code, form=data, error=exc.message)
    token = await db.write(start_session, policy=site.customer_sessions, subject_id=account.customer_id)
    await adopt_session(request, token)
    response = render(request, "key_shown.html", status=201, key=account.api_key, new_account=True)
    set_session_cookie(request, response, token)
    return response


@get("/login")
async def login_page(
    request: Request[Any, Any, Any], maybe_viewer: MaybeViewer, next: FromQuery[str] = "/"
) -> Response[Any]:
    if maybe_viewer is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", login="", next=safe_next(next), error=None)


@post("/login")
async def login(request: Request[Any, Any, Any], data: Login) -> Response[Any]:
    state = app_state(request)
    site = site_of(request)
    try:
        customer_id = await accounts.log_in(
            state.db,
            login=data.login,
            password=data.password,
            client_ip=_client_ip(request),
            per_account=state.limits.login_account,
            per_ip=state.limits.login_ip,
        )
    except FlashpanelError as exc:
        next_page = safe_next(data.next)
        refusal = render(
            request, "login.html", status=exc.status_code, login=data.login, next=next_page, error=exc.message
        )
        if isinstance(exc, RateLimited):
            refusal.headers["Retry-After"] = str(exc.retry_after)
        return refusal
    token = await state.db.write(start_session, policy=site.customer_sessions, subject_id=customer_id)
    response = redirect(request, safe_next(data.next))
    set_session_cookie(request, response, token)
    return response


@post("/logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    await log_out(request)
    response = redirect(request, "/login", flash="You have logged out.", level="info")
    clear_session_cookie(request, response)
    return response


@get("/forgot")
async def forgot_page(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(request, "forgot.html", sent=False, error=None)


@post("/forgot")
async def forgot(request: Request[Any, Any, Any], data: Forgot) -> Response[Any]:
    state = app_state(request)
    site = site_of(request)
    try:
        await accounts.send_reset_link(
            state.db,
            mailer_for(site.settings),
            login=data.login,
            base_url=site.base_url(request),
            per_account=state.limits.login_account,
        )
    except RateLimited as exc:
        return render(request, "forgot.html", status=429, sent=False, error=exc.message)
    return render(request, "forgot.html", sent=True, error=None)


@get("/reset/{token:str}")
async def reset_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    if not await app_state(request).db.read(accounts.reset_token_is_valid, token=token):
        return render(request, "reset.html", status=400, token=token, valid=False, error=None)
    return render(request, "reset.html", token=token, valid=True, error=None)


@post("/reset/{token:str}")
async def reset(request: Request[Any, Any, Any], token: FromPath[str], data: Reset) -> Response[Any]:
    try:
        await accounts.reset_password(
            app_state(request).db, token=token, password=data.password, confirm=data.confirm_password
        )
    except accounts.InvalidResetLink as exc:
        return render(request, "reset.html", status=exc.status_code, token=token, valid=False, error=None)
    except FlashpanelError as exc:
        return render(request, "reset.html", status=exc.status_code, token=token, valid=True, error=exc.message)
    return redirect(request, "/login", flash="Your password has been changed. Log in with it.")


routes = [signup_page, signup, login_page, login, logout, forgot_page, forgot, reset_page, reset]
