"""Stock files uploaded in the back office, imported as a job: the upload starts a ``stock_imports`` row
(audited), then the lines go through ``accounts.stock.add_stock`` (encrypt, de-duplicate) in batches,
each batch one unit of work that also advances the job's counts. The page polls the row, so progress
is right whichever process serves the poll. A process that dies mid-import leaves its job ``running``
with the batches done so far committed; once no batch has landed for ``STALLED_SECONDS`` the job is shown
as interrupted (polling stops), and uploading the file again skips what was added."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from flashpanel.accounts.stock import add_stock, stock_lines
from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, require
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn, Database, now
from flashpanel.db.typed import all_as, one_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.state import AppState

log = logging.getLogger("flashpanel.admin")

MAX_FILE_BYTES = 10 * 1024 * 1024
BATCH_LINES = 1000
# A batch of 1,000 lines takes well under a second; this long without one, the importing process is gone.
STALLED_SECONDS = 120.0


class ImportJob(msgspec.Struct, frozen=True):
    id: int
    product_id: int
    product: str
    actor: str
    total_lines: int
    processed_lines: int
    added: int
    skipped: int
    status: str  # running | done | failed | interrupted (running, but no batch for STALLED_SECONDS)
    error: str | None
    created_at: float
    updated_at: float | None  # when the last batch landed


class _StockItem(msgspec.Struct, frozen=True):
    id: int
    secret_encrypted: str


class _UnitCost(msgspec.Struct, frozen=True):
    unit_cost_cents: int | None


def decode_file(raw: bytes) -> list[str]:
    """The file's items, one per non-blank line; refused when too large or not UTF-8 text."""
    if len(raw) > MAX_FILE_BYTES:
        raise RuleViolation("A stock file may be at most 10 MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleViolation("A stock file must be UTF-8 text, one item per line") from None
    lines = stock_lines(text)
    if not lines:
        raise RuleViolation("The file has no items (one login:password per line)")
    return lines


@audited("stock.import", "account_product")
def start_import(
    conn: Conn, *, actor: Actor, product_id: int, total_lines: int, file_name: str, request_id: str | None = None
) -> int:
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    if conn.one("SELECT 1 FROM account_products WHERE id = ?", (product_id,)) is None:
        raise NotFound(f"No product {product_id}")
    job_id = conn.scalar(
        "INSERT INTO stock_imports (product_id, actor, total_lines, processed_lines, added, skipped, status, "
        "created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0, 'running', ?, ?) RETURNING id",
        (product_id, actor.name, total_lines, now(), now()),
    )
    assert job_id is not None
    record(
        conn,
        actor=actor,
        action="stock.import",
        object_kind="account_product",
        object_id=product_id,
        after={"lines": total_lines, "file": file_name[:100], "job": int(job_id)},
        request_id=request_id,
    )
    return int(job_id)


def import_batch(conn: Conn, *, job_id: int, product_id: int, lines: list[str], secrets: SecretBox) -> None:
    """One batch of a job: its items stored and the job's counts advanced, together."""
    result = add_stock(conn, product_id=product_id, lines=lines, secrets=secrets)
    conn.execute(
        "UPDATE stock_imports SET processed_lines = processed_lines + ?, added = added + ?, skipped = skipped + ?, "
        "updated_at = ? WHERE id = ?",
        (len(lines), result.added, result.skipped, now(), job_id),
    )


def finish_import(conn: Conn, *, job_id: int, error: str | None = None) -> None:
    conn.execute(
        "UPDATE stock_imports SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?",
        ("failed" if error else "done", error, now(), now(), job_id),
    )


def import_job(conn: Conn, *, job_id: int) -> ImportJob:
    job = one_as(
        conn,
        ImportJob,
        "SELECT j.*, p.name AS product FROM stock_imports j JOIN account_products p ON p.id = j.product_id "
        "WHERE j.id = ?",
        (job_id,),
    )
    if job is None:
        raise NotFound(f"No stock import {job_id}")
    if job.status == "running" and now() - (job.updated_at or job.created_at) > STALLED_SECONDS:
        return msgspec.structs.replace(
            job, status="interrupted", error="the process running it stopped (a restart or a crash)"
        )
    return job


async def run_import(db: Database, secrets: SecretBox, *, job_id: int, product_id: int, lines: list[str]) -> None:
    """Import ``lines`` batch by batch. Duplicates across batches are caught by the fingerprint lookup
    (an earlier batch is committed before the next one looks)."""
    try:
        for start in range(0, len(lines), BATCH_LINES):
            batch = lines[start : start + BATCH_LINES]
            await db.write(import_batch, job_id=job_id, product_id=product_id, lines=batch, secrets=secrets)
        await db.write(finish_import, job_id=job_id)
    except Exception as exc:
        log.exception("stock import %s failed", job_id)
        await db.write(finish_import, job_id=job_id, error=f"{exc.__class__.__name__}: {exc}"[:500])


def start_in_background(state: AppState, *, job_id: int, product_id: int, lines: list[str]) -> None:
    tasks = state.stock_imports  # kept so the running imports are not collected
    task = asyncio.get_running_loop().create_task(
        run_import(state.db, state.secrets, job_id=job_id, product_id=product_id, lines=lines)
    )
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def products(conn: Conn) -> list[Any]:
    """Products with their unsold and sold counts (the stock page's choices)."""
    return conn.all(
        "SELECT p.id, p.name, c.name AS category, p.price_cents, p.unit_cost_cents, p.active, "
        "COALESCE(SUM(CASE WHEN s.id IS NOT NULL AND s.order_id IS NULL THEN 1 ELSE 0 END), 0) AS unsold, "
        "COALESCE(SUM(CASE WHEN s.order_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS sold "
        "FROM account_products p JOIN account_categories c ON c.id = p.category_id "
        "LEFT JOIN stock_items s ON s.product_id = p.id GROUP BY p.id, p.name, c.name, p.price_cents, "
        "p.unit_cost_cents, p.active ORDER BY c.name, p.name"
    )


def mask(line: str) -> str:
    """An item as the stock list shows it: enough to recognise, never the secret (``ada…@mail… : ••••``)."""
    login, _, _ = line.partition(":")
    return (login[:3] + "…" if len(login) > 3 else login) + " : ••••"


def unsold_items(conn: Conn, *, product_id: int, secrets: SecretBox, limit: int = 200) -> list[tuple[int, str]]:
    items = all_as(
        conn,
        _StockItem,
        "SELECT id, secret_encrypted FROM stock_items WHERE product_id = ? AND order_id IS NULL ORDER BY id LIMIT ?",
        (product_id, limit),
    )
    return [(item.id, mask(secrets.decrypt(item.secret_encrypted))) for item in items]


@audited("stock.remove", "account_product")
def remove_unsold(
    conn: Conn, *, actor: Actor, product_id: int, item_ids: list[int], request_id: str | None = None
) -> int:
    """Delete unsold items (a sold item is never deleted: it belongs to an order). Returns how many went.
    Their fingerprints go with them, so the same credential could be imported again."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    if not item_ids or len(item_ids) > 1000:
        raise RuleViolation("Select between 1 and 1000 items")
    marks = ", ".join("?" for _ in item_ids)
    cursor = conn.execute(
        f"DELETE FROM stock_items WHERE product_id = ? AND order_id IS NULL AND id IN ({marks})",
        (product_id, *item_ids),
    )
    removed = int(cursor.rowcount)
    record(
        conn,
        actor=actor,
        action="stock.remove",
        object_kind="account_product",
        object_id=product_id,
        after={"removed": removed},
        request_id=request_id,
    )
    return removed


@audited("catalog.accounts.unit_cost", "account_product")
def set_unit_cost(
    conn: Conn, *, actor: Actor, product_id: int, unit_cost_cents: int | None, request_id: str | None = None
) -> None:
    """What one item of the product cost the operator (None: unknown), for the dashboard's profit."""
    require(actor.role, Permission.CATALOG)
    refuse_a_seen_form(conn, request_id=request_id)
    current = one_as(conn, _UnitCost, "SELECT unit_cost_cents FROM account_products WHERE id = ?", (product_id,))
    if current is None:
        raise NotFound(f"No product {product_id}")
    conn.execute("UPDATE account_products SET unit_cost_cents = ? WHERE id = ?", (unit_cost_cents, product_id))
    record(
        conn,
        actor=actor,
        action="catalog.accounts.unit_cost",
        object_kind="account_product",
        object_id=product_id,
        before={"unit_cost_cents": current.unit_cost_cents},
        after={"unit_cost_cents": unit_cost_cents},
        request_id=request_id,
    )
