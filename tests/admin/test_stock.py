"""Stock files imported as a job: counts, duplicates, the role check, and the upload page."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from litestar import Litestar

from flashpanel.admin import orders, stock
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.roles import NotPermitted
from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RuleViolation
from tests.admin.support import enrol_and_log_in, form_fields, make_operator
from tests.helpers import state_of

OWNER = Actor(name="olu", role="owner")


@pytest.fixture
def product(db: Database) -> int:
    def insert(conn: Conn) -> int:
        conn.execute("INSERT INTO account_categories (id, name) VALUES (1, 'Mail')")
        conn.execute(
            "INSERT INTO account_products (id, category_id, name, price_cents, created_at) VALUES (1, 1, 'Box', 100, 0)"
        )
        return 1

    return int(db.write_sync(insert))


def test_a_stock_file_is_utf8_text_with_items_and_at_most_ten_mib() -> None:
    assert stock.decode_file("\ufeffa:1\r\n\r\n b:2 \n".encode()) == ["a:1", "b:2"]
    with pytest.raises(RuleViolation, match="UTF-8"):
        stock.decode_file(b"\xff\xfe")
    with pytest.raises(RuleViolation, match="no items"):
        stock.decode_file(b"\n \n")
    with pytest.raises(RuleViolation, match="10 MiB"):
        stock.decode_file(b"a" * (stock.MAX_FILE_BYTES + 1))


async def test_an_import_runs_in_batches_and_counts_added_and_skipped_duplicates(
    db: Database, settings: Settings, product: int
) -> None:
    secrets = open_secret_box(settings.secret_key_file)
    db.write_sync(stock.import_batch, job_id=0, product_id=product, lines=["user-0:pw"], secrets=secrets)
    lines = [f"user-{n}:pw" for n in range(2500)] + ["user-7:pw"]
    job_id = db.write_sync(stock.start_import, actor=OWNER, product_id=product, total_lines=len(lines), file_name="f")
    await stock.run_import(db, secrets, job_id=job_id, product_id=product, lines=lines)
    job = db.read_sync(stock.import_job, job_id=job_id)
    assert (job.status, job.processed_lines, job.added, job.skipped) == ("done", 2501, 2499, 2)
    [row] = db.read_sync(entries, flt=AuditFilter(action="stock.import"))
    assert '"lines": 2501' in (row.after or "")


async def test_a_job_whose_process_stopped_shows_as_interrupted_and_its_page_stops_polling(
    client: httpx.AsyncClient, db: Database, settings: Settings, product: int
) -> None:
    secrets = open_secret_box(settings.secret_key_file)
    job_id = db.write_sync(stock.start_import, actor=OWNER, product_id=product, total_lines=3000, file_name="f")
    lines = [f"user-{n}:pw" for n in range(1000)]
    db.write_sync(stock.import_batch, job_id=job_id, product_id=product, lines=lines, secrets=secrets)
    assert db.read_sync(stock.import_job, job_id=job_id).status == "running"  # a batch just landed
    # The process died after its first batch: nothing has moved the job for longer than the limit.
    rewind = "UPDATE stock_imports SET updated_at = updated_at - ? WHERE id = ?"
    db.write_sync(lambda c: c.execute(rewind, (stock.STALLED_SECONDS + 1, job_id)))
    job = db.read_sync(stock.import_job, job_id=job_id)
    assert (job.status, job.processed_lines, job.added) == ("interrupted", 1000, 1000)
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    fragment = await client.get(f"/admin/stock/imports/{job_id}/progress")
    assert "The import stopped: the process running it stopped" in fragment.text
    assert "hx-trigger" not in fragment.text  # no polling for ever


def test_a_support_operator_may_not_upload_stock(db: Database, product: int) -> None:
    with pytest.raises(NotPermitted):
        db.write_sync(
            stock.start_import, actor=Actor("ngozi", "support"), product_id=product, total_lines=1, file_name="f"
        )


async def test_the_upload_page_starts_a_job_and_its_progress_ends_with_the_counts(
    app: Litestar, client: httpx.AsyncClient, db: Database, product: int
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/stock")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    body = "\n".join(f"user-{n}:pw" for n in range(1500)) + "\nuser-1:pw\n"
    answer = await client.post(
        "/admin/stock",
        data={"_csrf_token": token.group(1), "product_id": str(product), "request_id": "upload-1"},
        files={"file": ("stock.txt", body.encode(), "text/plain")},
    )
    assert answer.status_code == 303, answer.text
    await asyncio.gather(*state_of(app).stock_imports)  # the job, run to its end
    fragment = await client.get(answer.headers["location"] + "/progress")
    assert "Added: 1500, Skipped duplicates: 1" in fragment.text
    assert 'value="1501" max="1501"' in fragment.text and "hx-trigger" not in fragment.text
    items = await client.get(f"/admin/stock/products/{product}")
    assert items.status_code == 200 and "use… : ••••" in items.text and "Remove selected items" in items.text


def test_unsold_items_are_listed_masked_and_only_unsold_ones_are_removed(
    db: Database, settings: Settings, product: int
) -> None:
    secrets = open_secret_box(settings.secret_key_file)
    db.write_sync(stock.import_batch, job_id=0, product_id=product, lines=["adaeze:hunter2", "bo:pw"], secrets=secrets)
    db.write_sync(lambda c: c.execute("UPDATE stock_items SET order_id = NULL"))
    items = db.read_sync(stock.unsold_items, product_id=product, secrets=secrets)
    assert [masked for _, masked in items] == ["ada… : ••••", "bo : ••••"]
    assert all("hunter2" not in masked for _, masked in items)
    sold_id = items[1][0]

    def sell(conn: Conn) -> None:
        conn.execute(
            "INSERT INTO account_orders (id, customer_id, product_id, quantity, unit_price_cents, charge_cents, "
            "status, created_at) VALUES (1, 1, 1, 1, 100, 100, 'completed', 0)"
        )
        conn.execute("UPDATE stock_items SET order_id = 1, sold_at = 0 WHERE id = ?", (sold_id,))

    db.write_sync(
        lambda c: c.execute("INSERT INTO customers (id, name, api_key_digest, created_at) VALUES (1, 'ada', 'd', 0)")
    )
    db.write_sync(sell)
    removed = db.write_sync(stock.remove_unsold, actor=OWNER, product_id=product, item_ids=[items[0][0], sold_id])
    assert removed == 1
    assert db.read_sync(stock.unsold_items, product_id=product, secrets=secrets) == []
    with pytest.raises(NotPermitted):
        db.write_sync(stock.remove_unsold, actor=Actor("ngozi", "support"), product_id=product, item_ids=[sold_id])
    assert (
        db.write_sync(orders.export_delivered, actor=Actor("ngozi", "support"), order_id=1, secrets=secrets)
        == "bo:pw\n"
    )
    assert db.read_sync(entries, flt=AuditFilter(action="accounts.export"))[0].actor == "ngozi"


async def test_an_owner_sets_a_products_unit_cost_from_the_stock_page(
    client: httpx.AsyncClient, db: Database, product: int
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    action = f"/admin/stock/products/{product}/unit-cost"
    page = await client.get("/admin/stock")
    saved = await client.post(action, data={**form_fields(page.text, action), "unit_cost": "12.50"})
    assert saved.status_code == 303
    assert (
        db.read_sync(lambda c: c.scalar("SELECT unit_cost_cents FROM account_products WHERE id = ?", (product,)))
        == 1250
    )
    page = await client.get("/admin/stock")
    assert 'value="12.50"' in page.text
    refused = await client.post(action, data={**form_fields(page.text, action), "unit_cost": "1e3"})
    assert refused.status_code == 303
    [row] = db.read_sync(entries, flt=AuditFilter(action="catalog.accounts.unit_cost"))
    assert (row.before, row.after) == ('{"unit_cost_cents": null}', '{"unit_cost_cents": 1250}')
