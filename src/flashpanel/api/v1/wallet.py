"""The wallet endpoint: the caller's balance, read with its key check in one statement (D19)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from flashpanel.api.context import begin
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.responses import JsonReply, ok
from flashpanel.api.schemas import NoParameters
from flashpanel.wallet.money import format_cents
from flashpanel.wallet.service import balance_for_key


@get("/balance", summary="Wallet balance", description="Your current balance and the panel currency.")
async def get_balance(request: Request[Any, Any, Any]) -> JsonReply:
    call = await begin(request, RateClass.BALANCE, NoParameters)
    cents = await call.lookup(balance_for_key, key_digest=call.key_digest)
    return ok(request, {"balance": format_cents(cents), "currency": call.state.settings.currency})


routes = [get_balance]
