"""The wallet: balance and ledger ("Add funds" is in pages/payments.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from flashpanel.api.context import app_state
from flashpanel.wallet.service import ledger_page
from flashpanel.web.auth import CurrentViewer
from flashpanel.web.render import is_htmx, render
from flashpanel.web.unstorable import QueryInt


@get("/wallet")
async def wallet_page(
    request: Request[Any, Any, Any],
    viewer: CurrentViewer,
    before: QueryInt = None,
    after: QueryInt = None,
) -> Response[Any]:
    ledger = await app_state(request).db.read(
        ledger_page, customer_id=viewer.customer.id, before=before, after=after
    )
    template = "_ledger.html" if is_htmx(request) else "wallet.html"
    return render(request, template, ledger=ledger)


routes = [wallet_page]  # "Add funds" and the gateways' return pages: pages/payments.py
