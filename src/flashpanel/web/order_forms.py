"""The forms of the ordering pages. Numbers arrive as text and are read with the API's integer rule
(``bounds.read_integer``), so "abc" in Quantity is a message next to the field, not a 400 page."""

from __future__ import annotations

from typing import Annotated

import msgspec

from flashpanel.bounds import INT64_MAX, read_integer
from flashpanel.errors import RuleViolation
from flashpanel.web.forms import FORM


class SmmOrderForm(msgspec.Struct):
    service: str = ""
    link: str = ""
    quantity: str = ""
    category: str = ""
    runs: str = ""
    interval: str = ""


class MassOrderForm(msgspec.Struct):
    orders: str = ""


class OtpPurchaseForm(msgspec.Struct):
    country: str = ""
    service: str = ""


class AccountsPurchaseForm(msgspec.Struct):
    product: str = ""
    quantity: str = ""
    category: str = ""


SmmOrder = Annotated[SmmOrderForm, FORM]
MassOrder = Annotated[MassOrderForm, FORM]
OtpPurchase = Annotated[OtpPurchaseForm, FORM]
AccountsPurchase = Annotated[AccountsPurchaseForm, FORM]


def optional_number(text: str | None) -> int | None:
    """A whole number typed in a field, or None when the field is empty or not a number that fits."""
    if not text or not text.strip():
        return None
    value = read_integer(text.strip())
    return value if value is not None and abs(value) <= INT64_MAX else None


def number(text: str, field: str) -> int:
    """A required whole number; :class:`RuleViolation` naming the field otherwise."""
    value = optional_number(text)
    if value is None:
        raise RuleViolation(f"{field} must be a whole number")
    return value
