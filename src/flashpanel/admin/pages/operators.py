"""Operators: the list (roles, 2FA, last log-in); owners add an operator (as ``flashpanel admins create``:
the owner sets the first password, the new operator enrols 2FA at their first log-in), disable, enable,
or reset an operator's 2FA."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from flashpanel.admin import operators
from flashpanel.admin.access import CurrentOperator, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Action, NewOperator
from flashpanel.api.context import app_state
from flashpanel.customers.passwords import hash_password_async
from flashpanel.errors import FlashpanelError


@get("/operators")
async def operators_page(request: Request[Any, Any, Any], me: CurrentOperator) -> Response[Any]:
    rows = await app_state(request).db.read(operators.list_operators)
    return render(request, "admin/operators.html", operators=rows, active="operators")


@post("/operators")
async def add_operator(request: Request[Any, Any, Any], me: CurrentOperator, data: NewOperator) -> Response[Any]:
    name = data.name.strip().lower()  # as stored, so a refusal is audited against the same name
    try:
        # The password is checked and hashed before the unit of work: hashing is slow on purpose.
        operators.check_operator_password(data.password, data.password_again)
        await perform(
            app_state(request).db,
            operators.create_operator,
            actor=me.actor,
            name=name,
            role=data.role,
            password_hash=await hash_password_async(data.password),
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/operators", flash=exc.message, level="error")
    return redirect(request, "/operators", flash=f"{name} added ({data.role}): their first log-in sets up 2FA.")


@post("/operators/{name:str}/{verb:str}")
async def operator_action(
    request: Request[Any, Any, Any], me: CurrentOperator, name: FromPath[str], verb: FromPath[str], data: Action
) -> Response[Any]:
    db = app_state(request).db
    try:
        if verb == "reset-2fa":
            await perform(db, operators.reset_two_factor, actor=me.actor, name=name, request_id=data.request_id)
        elif verb in ("enable", "disable"):
            await perform(
                db,
                operators.set_operator_active,
                actor=me.actor,
                name=name,
                active=verb == "enable",
                request_id=data.request_id,
            )
        else:
            return redirect(request, "/operators", flash=f"Unknown action {verb!r}", level="error")
    except FlashpanelError as exc:
        return redirect(request, "/operators", flash=exc.message, level="error")
    done = {"reset-2fa": "must enrol a new authenticator", "enable": "enabled", "disable": "disabled"}[verb]
    return redirect(request, "/operators", flash=f"{name}: {done}.")


routes = [operators_page, add_operator, operator_action]
