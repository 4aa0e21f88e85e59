"""SMM services changed from the catalog page: one added by hand, one edited. Owner-only and audited in the
change's own unit of work; the change itself is ``smm.catalog.add_service`` / ``update_service``, the
functions behind ``flashpanel smm services add`` and ``update``, so the page and the CLI refuse the same
things with the same words (a bad rate or range, a name already used in the category, an unknown provider)."""

from __future__ import annotations

from typing import Any

from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record
from flashpanel.admin.catalog_edit import parse_count, parse_money, start
from flashpanel.db.runner import Conn
from flashpanel.smm import catalog as smm_catalog


@audited("catalog.smm.add", "smm_service")
def add_smm_service(
    conn: Conn,
    *,
    actor: Actor,
    name: str,
    category: str,
    provider: str,
    upstream_service: str,
    rate: str,
    min_quantity: str,
    max_quantity: str,
    type: str = "Default",
    description: str = "",
    refill: bool = False,
    cancel: bool = False,
    dripfeed: bool = False,
    active: bool = True,
    request_id: str | None = None,
) -> int:
    """As ``flashpanel smm services add``; an empty ``provider`` adds a service that is not sold until one
    is set. Returns the new service's id; its audit row holds what was saved."""
    start(conn, actor, request_id)
    spec = smm_catalog.ServiceInput(
        name=name,
        category=category,
        rate=parse_money(rate, what="Rate"),
        min_quantity=parse_count(min_quantity, what="Min"),
        max_quantity=parse_count(max_quantity, what="Max"),
        type=type,
        description=description,
        provider=provider.strip() or None,
        upstream_service=upstream_service.strip() or None,
        refill=refill,
        cancel=cancel,
        dripfeed=dripfeed,
    )
    service_id = smm_catalog.add_service(conn, spec=spec, active=active)
    record(
        conn,
        actor=actor,
        action="catalog.smm.add",
        object_kind="smm_service",
        object_id=service_id,
        after=smm_catalog.describe_service(conn, service_id=service_id),
        request_id=request_id,
    )
    return service_id


@audited("catalog.smm.update", "smm_service")
def update_smm_service(
    conn: Conn,
    *,
    actor: Actor,
    service_id: int,
    name: str,
    category: str,
    provider: str,
    upstream_service: str,
    rate: str,
    min_quantity: str,
    max_quantity: str,
    refill: bool,
    cancel: bool,
    dripfeed: bool,
    active: bool,
    request_id: str | None = None,
) -> None:
    """As ``flashpanel smm services update`` with every field the page shows; an empty ``provider`` keeps
    the service's provider (the CLI cannot take one away either). The audit row holds, before and after,
    only the fields that changed."""
    start(conn, actor, request_id)
    before = smm_catalog.describe_service(conn, service_id=service_id)
    changes: dict[str, Any] = {
        "name": name,
        "category": category,
        "rate": parse_money(rate, what="Rate"),
        "min_quantity": parse_count(min_quantity, what="Min"),
        "max_quantity": parse_count(max_quantity, what="Max"),
        "upstream_service": upstream_service.strip() or None,
        "refill": refill,
        "cancel": cancel,
        "dripfeed": dripfeed,
        "active": active,
    }
    if provider.strip():
        changes["provider"] = provider.strip()
    smm_catalog.update_service(conn, service_id=service_id, changes=changes)
    after = smm_catalog.describe_service(conn, service_id=service_id)
    changed = [key for key in after if after[key] != before[key]]
    record(
        conn,
        actor=actor,
        action="catalog.smm.update",
        object_kind="smm_service",
        object_id=service_id,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
        request_id=request_id,
    )
