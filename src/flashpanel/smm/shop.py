"""The SMM catalog as the web panel shows it, and the price of an order before it is placed.

The services on sale are those of ``service.ON_SALE_SQL`` (the API's list), with what a customer
weighs before ordering: description, refill/cancel/drip-feed flags. ``quote`` prices an order with
the same rules and the same rounding as ``service.place_order``, which stays the one that charges.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashpanel.db.runner import Conn, Row
from flashpanel.smm.service import ON_SALE_SQL
from flashpanel.wallet.money import charge_per_thousand


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    name: str
    category: str
    rate_cents: int  # per 1,000
    min_quantity: int
    max_quantity: int
    description: str
    refill: bool
    cancel: bool
    dripfeed: bool


def _offer(r: Row) -> Offer:
    return Offer(
        id=int(r["id"]),
        name=r["name"],
        category=r["category"],
        rate_cents=int(r["rate_cents"]),
        min_quantity=int(r["min_quantity"]),
        max_quantity=int(r["max_quantity"]),
        description=r["description"],
        refill=bool(r["refill"]),
        cancel=bool(r["cancel"]),
        dripfeed=bool(r["dripfeed"]),
    )


def offers(conn: Conn, *, simulators: bool) -> list[Offer]:
    """Every service on sale, ordered by category then id (the API's order)."""
    rows = conn.all(
        "SELECT s.id, s.name, s.category, s.rate_cents, s.min_quantity, s.max_quantity, s.description, "
        f"s.refill, s.cancel, s.dripfeed {ON_SALE_SQL} ORDER BY s.category, s.id",
        (simulators,),
    )
    return [_offer(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Quote:
    """The price of an order, or why it cannot be priced yet (``problem``); never both."""

    total_cents: int | None
    problem: str | None


def quote(offer: Offer, *, quantity: int | None, runs: int | None = None) -> Quote:
    """``quantity`` (per run with ``runs``) at the offer's rate, as ``place_order`` would charge it. A
    missing or out-of-range quantity has no price: the problem says what to type."""
    if quantity is None:
        return Quote(None, f"Enter a quantity from {offer.min_quantity:,} to {offer.max_quantity:,}")
    if not offer.min_quantity <= quantity <= offer.max_quantity:
        return Quote(None, f"Quantity must be between {offer.min_quantity} and {offer.max_quantity}")
    if runs is not None and runs < 1:
        return Quote(None, "Runs must be at least 1")
    return Quote(charge_per_thousand(offer.rate_cents, quantity * (runs or 1)), None)
