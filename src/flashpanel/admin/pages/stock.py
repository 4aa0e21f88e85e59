"""Stock: upload a file of items for a product (a job with a progress bar), and the products' counts."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from flashpanel.admin import stock
from flashpanel.admin.access import CurrentOperator, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Int64, RequestId, request_id_of
from flashpanel.api.context import app_state
from flashpanel.bounds import ID, read_integer, within
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.wallet.money import InvalidAmount, parse_amount, to_cents
from flashpanel.web.forms import FORM

MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


async def _stock_page(request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200) -> Response[Any]:
    rows = await app_state(request).db.read(stock.products)
    return render(request, "admin/stock.html", status=status, products=rows, error=error, active="stock")


@get("/stock")
async def stock_page(request: Request[Any, Any, Any], me: CurrentOperator) -> Response[Any]:
    return await _stock_page(request)


@post("/stock", request_max_body_size=stock.MAX_FILE_BYTES + 64 * 1024)
async def upload(request: Request[Any, Any, Any], me: CurrentOperator, data: MultipartForm) -> Response[Any]:
    state = app_state(request)
    upload_file = data.get("file")
    try:
        if not isinstance(upload_file, UploadFile):
            raise RuleViolation("Choose a stock file to upload")
        product_id = read_integer(str(data.get("product_id", "")))
        if product_id is None or not within(product_id, ID):
            raise RuleViolation("Choose a product")
        lines = stock.decode_file(await upload_file.read())
        job_id = await perform(
            state.db,
            stock.start_import,
            actor=me.actor,
            product_id=product_id,
            total_lines=len(lines),
            file_name=upload_file.filename or "",
            request_id=request_id_of(str(data.get("request_id") or "")),
        )
    except FlashpanelError as exc:
        return await _stock_page(request, error=exc.message, status=exc.status_code)
    stock.start_in_background(state, job_id=job_id, product_id=product_id, lines=lines)
    return redirect(request, f"/stock/imports/{job_id}")


@get("/stock/imports/{job_id:int}")
async def import_page(request: Request[Any, Any, Any], me: CurrentOperator, job_id: FromPath[int]) -> Response[Any]:
    job = await app_state(request).db.read(stock.import_job, job_id=job_id)
    return render(request, "admin/stock_import.html", job=job, active="stock")


@get("/stock/imports/{job_id:int}/progress")
async def import_progress(request: Request[Any, Any, Any], me: CurrentOperator, job_id: FromPath[int]) -> Response[Any]:
    """The progress fragment htmx swaps in every half second while the job runs."""
    job = await app_state(request).db.read(stock.import_job, job_id=job_id)
    return render(request, "admin/_import_progress.html", job=job)


class RemoveForm(msgspec.Struct):
    request_id: RequestId
    item_ids: list[Int64] | Int64 = msgspec.field(default_factory=list)


@get("/stock/products/{product_id:int}")
async def product_items(
    request: Request[Any, Any, Any], me: CurrentOperator, product_id: FromPath[int]
) -> Response[Any]:
    """A product's unsold items, masked (the oldest 200)."""
    state = app_state(request)
    items = await state.db.read(stock.unsold_items, product_id=product_id, secrets=state.secrets)
    return render(request, "admin/stock_items.html", product_id=product_id, items=items, active="stock")


@post("/stock/products/{product_id:int}/remove")
async def remove_items(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    product_id: FromPath[int],
    data: Annotated[RemoveForm, FORM],
) -> Response[Any]:
    ids = data.item_ids if isinstance(data.item_ids, list) else [data.item_ids]
    try:
        removed = await perform(
            app_state(request).db,
            stock.remove_unsold,
            actor=me.actor,
            product_id=product_id,
            item_ids=ids,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, f"/stock/products/{product_id}", flash=exc.message, level="error")
    return redirect(request, f"/stock/products/{product_id}", flash=f"Removed {removed} unsold items.")


class UnitCostForm(msgspec.Struct):
    request_id: RequestId
    unit_cost: str = ""  # empty: unknown


@post("/stock/products/{product_id:int}/unit-cost")
async def unit_cost(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    product_id: FromPath[int],
    data: Annotated[UnitCostForm, FORM],
) -> Response[Any]:
    try:
        cents = to_cents(parse_amount(data.unit_cost)) if data.unit_cost.strip() else None
    except InvalidAmount as exc:
        return redirect(request, "/stock", flash=f"Unit cost {exc}", level="error")
    try:
        await perform(
            app_state(request).db,
            stock.set_unit_cost,
            actor=me.actor,
            product_id=product_id,
            unit_cost_cents=cents,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/stock", flash=exc.message, level="error")
    return redirect(request, "/stock", flash="Unit cost saved.")


routes = [stock_page, upload, import_page, import_progress, product_items, remove_items, unit_cost]
