"""Money at the edges: Decimal in Python, integer minor units (cents) in the database.

An amount a person types (CLI argument, catalog file) is read by :func:`parse_amount`, which refuses
rather than rounds; a computed one (a charge, a refund, an imported price) is quantized to 2 places with
ROUND_HALF_UP. Either is stored as an exact integer number of cents.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class InvalidAmount(ValueError):
    """Raised when a value cannot be read as a money amount."""


# The largest amount a person may type: 15 digits before the point (999,999,999,999,999.99), so that
# any such amount, in cents, and the sum of a few of them stay far inside a signed 64-bit integer.
MAX_INTEGER_DIGITS = 15
MAX_AMOUNT_CENTS = 10 ** (MAX_INTEGER_DIGITS + 2) - 1
_TYPED_AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)


def parse_amount(value: str | int, *, signed: bool = False) -> Decimal:
    """An amount typed by a person (a CLI argument, a catalog file, later a back-office form).

    Accepted: ASCII digits, optionally a point and one or two decimals, at most 15 digits before the
    point; with ``signed=True`` also a leading ``-`` or ``+``. Nothing else: no exponent (``1e3``), no
    separators, no ``NaN``, and never a rounding, so the books always hold exactly what was typed.
    Raises :class:`InvalidAmount`, whose message completes "<what> ..." in one line."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidAmount(f"must be given as text or an integer, not {type(value).__name__}")
    text = str(value).strip()
    match = _TYPED_AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidAmount(f"must be a number like 1500 or 1500.50, got {text!r}")
    sign, whole, decimals = match.groups()
    if sign and not signed:
        if sign == "-":
            raise InvalidAmount(f"must not be negative, got {text!r}")
        raise InvalidAmount(f"must be a number like 1500 or 1500.50, got {text!r}")
    if decimals is not None and len(decimals) > 2:
        raise InvalidAmount(f"has more than 2 decimal places: {text!r}")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise InvalidAmount(f"must have at most {MAX_INTEGER_DIGITS} digits before the decimal point, got {text!r}")
    return Decimal(text).quantize(CENT)


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
