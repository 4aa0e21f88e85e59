"""What each client-given parameter may hold before any business rule looks at it: one table for the API
(v1 and v2) and every other door that decodes a request into a Struct.

Integers are read with one grammar (:func:`read_integer`): optional spaces, at most one sign, ASCII digits;
nothing else (``--5``, ``1e3``, ``5.0``, ``0x10`` are not integers). Every integer must then fit in signed
64 bits, the width of the database columns. What a value outside the bounds gets is the parameter's
``names_a_row`` choice: an id is answered as the id of nothing (docs/api.md: "not found"), any other
integer is refused with a 400 naming the parameter. Texts are bounded where a rule needs it (the link).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
NO_ROW: Final = 0  # ids start at 1: an id outside its bounds is read as this one, which names nothing

# Past this many significant digits a number cannot fit in 64 bits: it is known to be out of bounds
# without converting it (int() of a long digit string is quadratic, and refused past 4,300 digits).
_MAX_DIGITS: Final = 19


@dataclass(frozen=True, slots=True)
class Bound:
    """The bounds of one parameter."""

    low: int = INT64_MIN
    high: int = INT64_MAX
    # An id: a value outside [low, high] is the id of nothing (so the endpoint answers as for an unknown
    # id) rather than a 400. On /api/v2, where an id that is not a positive integer is "Incorrect order
    # ID", a malformed one is read the same way.
    names_a_row: bool = False
    # Pagination: a value inside the 64 bits but outside this range is moved into it, not refused.
    clamp: tuple[int, int] | None = None
    # Texts: a non-string JSON value is kept as its JSON text for the rule to judge (and refuse in its
    # documented place), instead of a 400 "must be a string".
    any_json_as_text: bool = False
    # Read as a list (/api/v2 ``orders=1,2,3``): the most distinct items one request may carry.
    max_items: int | None = None


MAX_IDS: Final = 100  # ids in one /api/v2 list (docs/api-v2.md)
ID: Final = Bound(low=1, names_a_row=True, max_items=MAX_IDS)
INTEGER: Final = Bound()

LINK_MAX_LENGTH: Final = 2048
LINK_SCHEMES: Final = ("http", "https")

PARAMETERS: Final = MappingProxyType(
    {
        # ids: a value outside the bounds names nothing (404 "... not found", or the 422 of an unknown product)
        "order": ID,
        "refill": ID,
        "product": ID,
        "category": ID,
        "country": ID,
        # /api/v2 id lists
        "orders": ID,
        "refills": ID,
        # integers a rule then judges (unknown service, quantity range, runs, interval): 400 when past 64 bits
        "service": INTEGER,
        "quantity": INTEGER,
        "runs": INTEGER,
        "interval": INTEGER,
        # pagination (docs/api.md): page >= 1, limit 1..100
        "page": Bound(clamp=(1, INT64_MAX)),
        "limit": Bound(clamp=(1, 100)),
        # texts; the link's shape (http or https URL with a host, no spaces, at most 2,048 characters) is
        # the SMM order rule's, checked after the service and quantity (docs/api.md gives the order)
        "link": Bound(any_json_as_text=True),
        "request_id": Bound(),
        "action": Bound(),
    }
)


def read_integer(text: str) -> int | None:
    """The integer ``text`` spells, or None when it is not one. A number with more digits than signed 64
    bits can hold comes back as the nearest value just past them (``INT64_MAX + 1`` or ``INT64_MIN - 1``),
    so bounds checks refuse it without the cost of converting thousands of digits."""
    if len(text) <= _MAX_DIGITS and text.isdigit() and text.isascii():  # the common case: plain digits
        return int(text)
    text = text.strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    negative = text[0] == "-"
    significant = digits.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return INT64_MIN - 1 if negative else INT64_MAX + 1
    value = int(significant or "0")
    return -value if negative else value


def within(value: int, bound: Bound) -> bool:
    return bound.low <= value <= bound.high


@dataclass(frozen=True, slots=True)
class IdList:
    """An id-list parameter as decoded (``orders=1,2,3`` on /api/v2): the items as the client sent them,
    distinct and in order, and those that are ids inside their bounds (``valid``: text -> id). The others
    are answered per item, as an unknown id."""

    raw: tuple[str, ...]
    valid: dict[str, int]

    @classmethod
    def of(cls, texts: tuple[str, ...], bound: Bound = ID) -> IdList:
        valid = {text: number for text in texts if (number := read_integer(text)) is not None and within(number, bound)}
        return cls(raw=texts, valid=valid)

    @property
    def ids(self) -> list[int]:
        return list(dict.fromkeys(self.valid.values()))
