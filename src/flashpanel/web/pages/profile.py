"""Profile settings: the API key (regenerate, shown once), email and password."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from flashpanel.api.context import app_state
from flashpanel.customers import accounts
from flashpanel.errors import FlashpanelError
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.forms import EmailChange, PasswordChange, PasswordCheck
from flashpanel.web.render import is_htmx, redirect, render


@get("/profile")
async def profile_page(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Response[Any]:
    return render(request, "profile.html", key_error=None, email_error=None, email_saved=False, password_error=None)


@post("/profile/key")
async def regenerate_key(request: Request[Any, Any, Any], viewer: CurrentViewer, data: PasswordCheck) -> Response[Any]:
    try:
        key = await accounts.regenerate_key(
            app_state(request).db, customer_id=viewer.customer.id, password=data.password
        )
    except FlashpanelError as exc:
        return render(
            request,
            "profile.html",
            status=exc.status_code,
            key_error=exc.message,
            email_error=None,
            email_saved=False,
            password_error=None,
        )
    return render(request, "key_shown.html", key=key, new_account=False)


@post("/profile/email")
async def change_email(request: Request[Any, Any, Any], viewer: CurrentViewer, data: EmailChange) -> Response[Any]:
    """htmx swaps the email form with the answer in place; without script, the whole page comes back."""
    db = app_state(request).db
    try:
        await db.write(accounts.change_email, customer_id=viewer.customer.id, email=data.email)
    except FlashpanelError as exc:
        template = "_email_form.html" if is_htmx(request) else "profile.html"
        return render(
            request,
            template,
            status=exc.status_code,
            key_error=None,
            email_error=exc.message,
            email_value=data.email,
            email_saved=False,
            password_error=None,
        )
    if is_htmx(request):
        updated = await db.read(accounts.profile, customer_id=viewer.customer.id)
        return render(request, "_email_form.html", email_error=None, email_value=updated.email, email_saved=True)
    return redirect(request, "/profile", flash="Your email address has been saved.")


@post("/profile/password")
async def change_password(
    request: Request[Any, Any, Any], viewer: CurrentViewer, data: PasswordChange
) -> Response[Any]:
    try:
        await accounts.change_password(
            app_state(request).db,
            customer_id=viewer.customer.id,
            current=data.current_password,
            new=data.new_password,
            confirm=data.confirm_password,
            keep_session=viewer.session.token_digest,
        )
    except FlashpanelError as exc:
        return render(
            request,
            "profile.html",
            status=exc.status_code,
            key_error=None,
            email_error=None,
            email_saved=False,
            password_error=exc.message,
        )
    return redirect(request, "/profile", flash="Your password has been changed. Your other sessions have ended.")


routes = [profile_page, regenerate_key, change_email, change_password]
