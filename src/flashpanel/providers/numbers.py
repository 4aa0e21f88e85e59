"""Numbers sent by an upstream, read within bounds before anything converts them.

An upstream's number is text flashpanel does not control, and a short text can be a huge number:
``"1e300000"`` is 8 characters, but ``int(Decimal("1e300000"))`` builds a 300,000-digit integer, which
takes seconds on the event loop (and ``"1e3000000"`` minutes). So every number is checked before it is
converted: its text is at most ``MAX_CHARS`` characters, it is a finite decimal, its magnitude lies
within ``10**MIN_EXPONENT`` .. ``10**MAX_EXPONENT`` (or is zero), and an integer fits in signed 64 bits.
Each check costs time proportional to ``MAX_CHARS`` at most, whatever the upstream sent.

:func:`read_decimal` and :func:`read_int` return None for an absent value and raise :class:`BadNumber`
for one that is present but unreadable or out of bounds; the adapters turn that into a ``MALFORMED``
error for the one order, activation or service concerned (docs/decisions.md, D27).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

MAX_CHARS: Final = 40
# |value| < 10**19 holds every signed 64-bit integer; nothing an upstream quotes is below 10**-30.
MAX_EXPONENT: Final = 18
MIN_EXPONENT: Final = -30
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1


class BadNumber(ValueError):
    """A value that is there but is not a number flashpanel accepts; the message says why."""


def _shown(value: object) -> str:
    """The value, briefly: an error message must not print a megabyte (or a 300,000-digit integer)."""
    if isinstance(value, str):
        return repr(value[:24]) + ("…" if len(value) > 24 else "")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, int | float | Decimal):
        return repr(value)[:40]
    return f"a {type(value).__name__}"


def read_decimal(value: object) -> Decimal | None:
    """``"0.27819"``, ``0.9``, ``"1,5"``, ``" 12 "``, ``157`` → Decimal (JSON floats go through ``str``, so
    ``0.9`` stays exactly ``0.9``); None, ``""`` → None. Raises :class:`BadNumber` for anything else:
    booleans, text that is not a number, NaN, infinities, over ``MAX_CHARS`` characters, or a magnitude
    out of bounds."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise BadNumber(f"not a number: {_shown(value)}")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise BadNumber(f"out of range: {_shown(value)}")  # checked before str(): a long int is slow to print
    text = (value if isinstance(value, str) else str(value)).strip()
    if not text:
        return None
    if len(text) > MAX_CHARS:
        raise BadNumber(f"too long: {_shown(value)}")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise BadNumber(f"not a number: {_shown(value)}") from None
    if not number.is_finite():
        raise BadNumber(f"not a finite number: {_shown(value)}")
    if not number:
        return Decimal(0)  # "0e-999999" is zero too, without an exponent that formats to a million digits
    if not MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        raise BadNumber(f"out of range: {_shown(value)}")
    return number


def read_int(value: object, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int | None:
    """An integer (``"157"``, ``157``, ``"157.0"``) within [minimum, maximum], by default signed 64 bits;
    None when absent. Raises :class:`BadNumber` for a fraction, an out-of-range value, or what
    :func:`read_decimal` refuses."""
    number = read_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise BadNumber(f"not a whole number: {_shown(value)}")
    result = int(number)  # at most 19 digits: bounded above
    if not minimum <= result <= maximum:
        raise BadNumber(f"out of range: {_shown(value)}")
    return result
