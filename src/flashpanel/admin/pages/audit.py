"""The audit log: filterable, and exported as CSV with the same filters."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromQuery

from flashpanel.admin import audit
from flashpanel.admin.access import CurrentOperator, render
from flashpanel.admin.forms import QueryInt, filter_date
from flashpanel.api.context import app_state
from flashpanel.web.security import page_headers


def _filter(actor: str, action: str, object_kind: str, object_id: str, outcome: str, since: str, until: str) -> Any:
    return audit.AuditFilter(
        actor=actor.strip() or None,
        action=action.strip() or None,
        object_kind=object_kind.strip() or None,
        object_id=object_id.strip() or None,
        outcome=outcome.strip() or None,
        since=filter_date(since),
        until=filter_date(until, end=True),
    )


@get("/audit")
async def audit_page(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    actor: FromQuery[str] = "",
    action: FromQuery[str] = "",
    object_kind: FromQuery[str] = "",
    object_id: FromQuery[str] = "",
    outcome: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    before: QueryInt = None,
) -> Response[Any]:
    query = {
        "actor": actor,
        "action": action,
        "object_kind": object_kind,
        "object_id": object_id,
        "outcome": outcome,
        "since": since,
        "until": until,
    }
    flt = _filter(actor, action, object_kind, object_id, outcome, since, until)
    rows = await app_state(request).db.read(audit.entries, flt=flt, before_id=before, limit=50)
    return render(request, "admin/audit.html", rows=rows, query=query, active="audit")


@get("/audit.csv")
async def audit_csv(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    actor: FromQuery[str] = "",
    action: FromQuery[str] = "",
    object_kind: FromQuery[str] = "",
    object_id: FromQuery[str] = "",
    outcome: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
) -> Response[str]:
    flt = _filter(actor, action, object_kind, object_id, outcome, since, until)
    body = await app_state(request).db.read(audit.export_csv, flt=flt)
    headers = {**page_headers(), "Content-Disposition": 'attachment; filename="flashpanel-audit.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


routes = [audit_page, audit_csv]
