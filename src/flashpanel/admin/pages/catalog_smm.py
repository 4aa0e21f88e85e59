"""The catalog page's SMM service forms: add one by hand, edit one (``admin/catalog_smm.py``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, post
from litestar.params import FromPath

from flashpanel.admin import catalog_smm
from flashpanel.admin.access import CurrentOperator, redirect
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import RequestId
from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError
from flashpanel.web.forms import FORM

CHECKED = "yes"  # the value of a ticked switch; an unticked checkbox sends nothing


class SmmServiceForm(msgspec.Struct):
    """Both SMM forms: the edit form sends ``status``, the add form ``active`` and ``type``."""

    request_id: RequestId
    name: str = ""
    category: str = ""
    provider: str = ""
    upstream_service: str = ""
    rate: str = ""
    min_quantity: str = ""
    max_quantity: str = ""
    type: str = "Default"
    description: str = ""
    refill: str = ""
    cancel: str = ""
    dripfeed: str = ""
    active: str = ""
    status: str = "active"  # active | disabled


SmmService = Annotated[SmmServiceForm, FORM]


@post("/catalog/smm-services")
async def add_smm_service(request: Request[Any, Any, Any], me: CurrentOperator, data: SmmService) -> Response[Any]:
    try:
        service_id = await perform(
            app_state(request).db,
            catalog_smm.add_smm_service,
            actor=me.actor,
            name=data.name,
            category=data.category,
            provider=data.provider,
            upstream_service=data.upstream_service,
            rate=data.rate,
            min_quantity=data.min_quantity,
            max_quantity=data.max_quantity,
            type=data.type,
            description=data.description,
            refill=data.refill == CHECKED,
            cancel=data.cancel == CHECKED,
            dripfeed=data.dripfeed == CHECKED,
            active=data.active == CHECKED,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    unsold = "" if data.provider.strip() else " It is not sold until a provider is set."
    return redirect(request, "/catalog", flash=f"SMM service {service_id} {data.name.strip()} added.{unsold}")


@post("/catalog/smm/{service_id:int}")
async def edit_smm_service(
    request: Request[Any, Any, Any], me: CurrentOperator, service_id: FromPath[int], data: SmmService
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            catalog_smm.update_smm_service,
            actor=me.actor,
            service_id=service_id,
            name=data.name,
            category=data.category,
            provider=data.provider,
            upstream_service=data.upstream_service,
            rate=data.rate,
            min_quantity=data.min_quantity,
            max_quantity=data.max_quantity,
            refill=data.refill == CHECKED,
            cancel=data.cancel == CHECKED,
            dripfeed=data.dripfeed == CHECKED,
            active=data.status == "active",
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(request, "/catalog", flash=f"SMM service {service_id} saved.")


routes = [add_smm_service, edit_smm_service]
