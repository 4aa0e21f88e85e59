"""The demo accounts catalog: sellable at once, fictional, and idempotent."""

from __future__ import annotations

from flashpanel.accounts import catalog, demo
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Database


def test_demo_seed_creates_two_categories_with_stocked_products_and_is_idempotent(
    db: Database, secrets: SecretBox
) -> None:
    db.write_sync(demo.seed, secrets=secrets)
    first = db.read_sync(catalog.list_products)
    db.write_sync(demo.seed, secrets=secrets)
    assert db.read_sync(catalog.list_products) == first
    assert len(db.read_sync(catalog.list_categories)) == 2
    assert len(first) >= 4 and all(p.stock >= 25 and p.active for p in first)
    for category in db.read_sync(catalog.list_categories):
        assert len([p for p in first if p.category_id == category.id]) >= 2
    rows = db.read_sync(lambda c: c.all("SELECT secret_encrypted FROM stock_items"))
    domains = {secrets.decrypt(r["secret_encrypted"]).split(":", 1)[0].rsplit("@", 1)[1] for r in rows}
    assert domains <= {"example.com", "example.net", "demo.test"}
