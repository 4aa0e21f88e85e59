"""Operator commands for the accounts shop: categories, products, and stock import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flashpanel.accounts import catalog, stock
from flashpanel.cli.common import amount, fail, read, secret_box, table, write
from flashpanel.wallet.money import format_cents, to_cents

app = typer.Typer(help="Accounts shop: categories, products and stock.", no_args_is_help=True)
categories_app = typer.Typer(help="Account categories.", no_args_is_help=True)
products_app = typer.Typer(help="Account products.", no_args_is_help=True)
stock_app = typer.Typer(help="Stocked items (one credential per line).", no_args_is_help=True)
app.add_typer(categories_app, name="categories")
app.add_typer(products_app, name="products")
app.add_typer(stock_app, name="stock")


def _int(text: str | None, *, what: str) -> int | None:
    """Integers are parsed here, not by typer, so that bad input fails with one line."""
    if text is None:
        return None
    stripped = text.strip()
    if not (stripped.lstrip("+-").isdigit() and stripped.isascii()):
        fail(f"{what} must be an integer, got {text!r}")
    return int(stripped)


def _id(text: str, *, what: str) -> int:
    value = _int(text, what=what)
    assert value is not None
    return value


def _price(text: str | None) -> int | None:
    return None if text is None else to_cents(amount(text, what="price"))


# -- categories ---------------------------------------------------------------------------------------


@categories_app.command("add")
def category_add(
    name: str,
    icon: Annotated[str, typer.Option(help="Icon name shown to clients, e.g. play, users")] = "",
) -> None:
    """Create a category; prints its id."""
    category_id = write(catalog.add_category, name=name, icon=icon)
    typer.echo(f"added category {category_id}: {name.strip()}")


@categories_app.command("list")
def category_list() -> None:
    """List categories."""
    table([(c.id, c.name, c.icon) for c in read(catalog.list_categories)], ("ID", "NAME", "ICON"))


# -- products -----------------------------------------------------------------------------------------


@products_app.command("add")
def product_add(
    category: Annotated[str, typer.Argument(metavar="CATEGORY_ID")],
    name: str,
    price: Annotated[str, typer.Option(help="Unit price, e.g. 2500 or 2500.00")],
    min_: Annotated[str, typer.Option("--min", help="Minimum quantity per order")] = "1",
    max_: Annotated[str, typer.Option("--max", help="Maximum quantity per order")] = "10",
    description: Annotated[str, typer.Option(help="Shown to clients")] = "",
) -> None:
    """Create an active product; prints its id."""
    product_id = write(
        catalog.add_product,
        category_id=_id(category, what="category id"),
        name=name,
        price_cents=_price(price),
        min_quantity=_int(min_, what="--min"),
        max_quantity=_int(max_, what="--max"),
        description=description,
    )
    typer.echo(f"added product {product_id}: {name.strip()}")


@products_app.command("list")
def product_list(
    category: Annotated[str | None, typer.Option(help="Only this category id")] = None,
) -> None:
    """List products (disabled ones too) with their unsold stock."""
    products = read(catalog.list_products, category_id=_int(category, what="--category"))
    table(
        [
            (
                p.id,
                p.category_id,
                p.name,
                format_cents(p.price_cents),
                p.min_quantity,
                p.max_quantity,
                p.stock,
                "active" if p.active else "disabled",
            )
            for p in products
        ],
        ("ID", "CATEGORY", "NAME", "PRICE", "MIN", "MAX", "STOCK", "STATUS"),
    )


@products_app.command("update")
def product_update(
    product: Annotated[str, typer.Argument(metavar="PRODUCT_ID")],
    name: Annotated[str | None, typer.Option()] = None,
    price: Annotated[str | None, typer.Option(help="New unit price (placed orders keep theirs)")] = None,
    min_: Annotated[str | None, typer.Option("--min")] = None,
    max_: Annotated[str | None, typer.Option("--max")] = None,
    description: Annotated[str | None, typer.Option()] = None,
    enable: Annotated[bool, typer.Option("--enable", help="Make a disabled product purchasable again")] = False,
) -> None:
    """Change a product's fields; options not given are kept."""
    updated = write(
        catalog.update_product,
        product_id=_id(product, what="product id"),
        name=name,
        price_cents=_price(price),
        min_quantity=_int(min_, what="--min"),
        max_quantity=_int(max_, what="--max"),
        description=description,
        active=True if enable else None,
    )
    typer.echo(
        f"product {updated.id}: {updated.name}, price {format_cents(updated.price_cents)}, "
        f"min {updated.min_quantity}, max {updated.max_quantity}, {'active' if updated.active else 'disabled'}"
    )


@products_app.command("disable")
def product_disable(product: Annotated[str, typer.Argument(metavar="PRODUCT_ID")]) -> None:
    """Stop selling a product (hidden from the API; its stock and orders are kept)."""
    updated = write(catalog.update_product, product_id=_id(product, what="product id"), active=False)
    typer.echo(f"product {updated.id}: disabled")


# -- stock --------------------------------------------------------------------------------------------


@stock_app.command("add")
def stock_add(
    product: Annotated[str, typer.Argument(metavar="PRODUCT_ID")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="One login:password per line")],
) -> None:
    """Import items from FILE (blank lines ignored; duplicates, in stock or in the file, skipped)."""
    product_id = _id(product, what="product id")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {str(file)!r}: {exc.__class__.__name__}")
    result = write(stock.add_stock, product_id=product_id, lines=stock.stock_lines(text), secrets=secret_box())
    typer.echo(f"added {result.added}, skipped {result.skipped} duplicate(s)")
