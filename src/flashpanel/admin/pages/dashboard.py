"""The dashboard: figures, the 7-day chart and the Needs attention list."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from flashpanel.admin import chart
from flashpanel.admin.access import CurrentOperator, render
from flashpanel.admin.dashboard import LINE_NAMES, dashboard
from flashpanel.api.context import app_state


@get("/")
async def dashboard_page(request: Request[Any, Any, Any], me: CurrentOperator) -> Response[Any]:
    state = app_state(request)
    figures = await state.db.read(dashboard, low_stock=state.settings.low_stock)
    return render(
        request,
        "admin/dashboard.html",
        figures=figures,
        line_names=LINE_NAMES,
        chart=chart.stacked_bars(figures.days, figures.by_status),
        palette=chart.PALETTE,
        active="dashboard",
    )


routes = [dashboard_page]
