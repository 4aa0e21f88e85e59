"""The operator CLI for the accounts shop: categories, products and stock import."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpanel.accounts import catalog
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Database
from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("cli_env")


run = run_cli


def _setup_product() -> None:
    assert run("accounts", "categories", "add", "Streaming", "--icon", "play")[0] == 0
    code, out, _ = run("accounts", "products", "add", "1", "Premium", "--price", "2500", "--max", "5")
    assert code == 0 and "added product 1" in out


def test_categories_add_and_list() -> None:
    code, out, _ = run("accounts", "categories", "add", "Streaming", "--icon", "play")
    assert code == 0 and "added category 1: Streaming" in out
    code, out, _ = run("accounts", "categories", "list")
    assert code == 0
    assert any(line.split() == ["1", "Streaming", "play"] for line in out.splitlines())


def test_products_add_list_update_disable(db: Database) -> None:
    _setup_product()
    code, out, _ = run("accounts", "products", "list")
    assert code == 0
    assert any(line.split() == ["1", "1", "Premium", "2500.00", "1", "5", "0", "active"] for line in out.splitlines())

    code, out, _ = run("accounts", "products", "update", "1", "--price", "99.50", "--min", "2", "--description", "New")
    assert code == 0 and "price 99.50" in out and "min 2" in out
    product = db.read_sync(catalog.get_product, product_id=1)
    assert (product.price_cents, product.min_quantity, product.max_quantity, product.description) == (9950, 2, 5, "New")

    code, out, _ = run("accounts", "products", "disable", "1")
    assert code == 0 and "disabled" in out
    assert db.read_sync(catalog.get_product, product_id=1).active is False
    code, out, _ = run("accounts", "products", "update", "1", "--enable")
    assert code == 0 and "active" in out
    assert db.read_sync(catalog.get_product, product_id=1).active is True


def test_stock_add_skips_blank_lines_and_duplicates_in_the_file_and_in_stock(
    tmp_path: Path, db: Database, secrets: SecretBox
) -> None:
    _setup_product()
    first = tmp_path / "first.txt"
    first.write_text("a@example.com:pw1\n\n  \nb@example.com:pw2\r\na@example.com:pw1\n")
    code, out, _ = run("accounts", "stock", "add", "1", str(first))
    assert code == 0 and "added 2, skipped 1" in out

    second = tmp_path / "second.txt"
    second.write_text("b@example.com:pw2\nc@example.com:pw3\n")
    code, out, _ = run("accounts", "stock", "add", "1", str(second))
    assert code == 0 and "added 1, skipped 1" in out

    rows = db.read_sync(lambda c: c.all("SELECT secret_encrypted FROM stock_items ORDER BY id"))
    assert [secrets.decrypt(r["secret_encrypted"]) for r in rows] == [
        "a@example.com:pw1",
        "b@example.com:pw2",
        "c@example.com:pw3",
    ]
    code, out, _ = run("accounts", "products", "list", "--category", "1")
    assert any(line.split()[:1] == ["1"] and line.split()[6] == "3" for line in out.splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("accounts", "categories", "add", "Streaming"), "already exists"),
        (("accounts", "categories", "add", "  "), "must not be empty"),
        (("accounts", "products", "add", "9", "X", "--price", "1"), "category 9 not found"),
        (("accounts", "products", "add", "one", "X", "--price", "1"), "must be an integer"),
        (("accounts", "products", "add", "1", "X", "--price", "abc"), "must be a number"),
        (("accounts", "products", "add", "1", "X", "--price", "0"), "price must be positive"),
        (("accounts", "products", "add", "1", "X", "--price", "1", "--min", "0"), "at least 1"),
        (("accounts", "products", "add", "1", "X", "--price", "1", "--min", "5", "--max", "2"), "below the minimum"),
        (("accounts", "products", "update", "7", "--price", "1"), "product 7 not found"),
        (("accounts", "products", "disable", "x"), "must be an integer"),
        (("accounts", "stock", "add", "7", "FILE"), "product 7 not found"),
        (("accounts", "stock", "add", "1", "/nonexistent/items.txt"), "cannot read"),
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    _setup_product()
    items = tmp_path / "items.txt"
    items.write_text("x@example.com:pw\n")
    code, _, err = run(*(str(items) if a == "FILE" else a for a in args))
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0].lower(), err
