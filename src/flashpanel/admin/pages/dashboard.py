"""The dashboard: figures, the 7-day chart and the Needs attention list."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from flashpanel.admin import chart
from flashpanel.admin.access import CurrentOperator, render
from flashpanel.admin.catalog import cached_balances, low_balances
from flashpanel.admin.dashboard import LINE_NAMES, dashboard
from flashpanel.api.context import app_state
from flashpanel.providers.service import list_providers


@get("/")
async def dashboard_page(request: Request[Any, Any, Any], me: CurrentOperator) -> Response[Any]:
    state = app_state(request)
    figures = await state.db.read(dashboard, low_stock=state.settings.low_stock)
    balances = cached_balances(state)
    rates = {p.name: p.exchange_rate for p in await state.db.read(list_providers)}
    return render(
        request,
        "admin/dashboard.html",
        figures=figures,
        line_names=LINE_NAMES,
        chart=chart.stacked_bars(figures.days, figures.by_status),
        palette=chart.PALETTE,
        balances=balances,
        low_balances=low_balances(balances, rates, threshold=state.settings.low_provider_balance),
        active="dashboard",
    )


routes = [dashboard_page]
