"""Accounts fixtures: a roomier rate limit (concurrency tests fire many orders per key) and a stocked shop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from flashpanel.accounts import catalog, stock
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.db.runner import Database
from flashpanel.wallet.money import parse_amount, to_cents


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_orders": "1000/minute",
            "rate_limit_list": "1000/minute",
            "rate_limit_status": "1000/minute",
        }
    )


@pytest.fixture
def secrets(settings: Settings) -> SecretBox:
    """The same key the app under test uses (its key file)."""
    return open_secret_box(settings.secret_key_file)


@dataclass(frozen=True)
class Stocked:
    category_id: int
    product_id: int
    lines: list[str]


@pytest.fixture
def stocked(db: Database, secrets: SecretBox) -> Callable[..., Stocked]:
    """Create a product with ``items`` distinct lines in stock: ``stocked(items=5, price="100.00")``."""
    counter = iter(range(1, 1_000_000))

    def make(
        *,
        items: int = 5,
        price: str = "100.00",
        low: int = 1,
        high: int = 10,
        category_id: int | None = None,
        name: str | None = None,
        description: str = "Test product",
    ) -> Stocked:
        n = next(counter)
        if category_id is None:
            category_id = db.write_sync(catalog.add_category, name=f"Category {n}", icon="play")
        product_id = db.write_sync(
            catalog.add_product,
            category_id=category_id,
            name=name or f"Product {n}",
            price_cents=to_cents(parse_amount(price)),
            min_quantity=low,
            max_quantity=high,
            description=description,
        )
        lines = [f"user{n}-{i:03d}@example.com:pw{n}:{i:03d}" for i in range(items)]
        db.write_sync(stock.add_stock, product_id=product_id, lines=lines, secrets=secrets)
        return Stocked(category_id=category_id, product_id=product_id, lines=lines)

    return make
