"""Money at the edges: Decimal in Python, integer minor units (cents) in the database.

Every amount that enters flashpanel (CLI argument, catalog price, computed charge) is turned into a
``Decimal`` quantized to 2 places with ROUND_HALF_UP, and stored as an exact integer number of cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class InvalidAmount(ValueError):
    """Raised when a value cannot be read as a money amount."""


def parse_amount(value: object) -> Decimal:
    """Read a money amount from text or a number (never a float), rounded half-up to cents."""
    if isinstance(value, float | bool):
        raise InvalidAmount(f"amount must be given as text or an integer, not {type(value).__name__}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidAmount(f"not a valid amount: {value!r}") from None
    if not amount.is_finite():
        raise InvalidAmount(f"not a valid amount: {value!r}")
    return quantize(amount)


def quantize(amount: Decimal) -> Decimal:
    """Round half-up to 2 places: the one rounding rule for money."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int) -> str:
    """Serialise as the API does: a string with exactly 2 places, e.g. ``"15000.00"``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def charge_per_thousand(rate_cents: int, quantity: int) -> int:
    """rate * quantity / 1000 in cents, rounded half-up to the cent."""
    return to_cents(Decimal(rate_cents) * quantity / 1000 / 100)


def smallest_charged_quantity(rate_cents: int) -> int | None:
    """The smallest quantity whose :func:`charge_per_thousand` is at least one cent (rate * quantity /
    1000 reaches half a cent, which rounds up); None when the rate is 0 and nothing ever costs anything."""
    if rate_cents <= 0:
        return None
    return -(-500 // rate_cents)
