"""What the credit path needs from a gateway: start a checkout, verify a reference, read a webhook."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, Protocol

from flashpanel.wallet.money import MAX_AMOUNT_CENTS

if TYPE_CHECKING:  # httpx (~6 MB with what it pulls in) loads only in a process with a gateway configured
    import httpx

# What a gateway's many words for a payment's state mean to us.
Outcome = Literal["success", "pending", "failed", "unknown"]
TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0


class GatewayError(Exception):
    """The gateway could not be reached or answered something we cannot read: nothing is decided."""


@dataclass(frozen=True, slots=True)
class Verification:
    """What the gateway's verify API says about one of our references. ``outcome`` is ``unknown`` when
    the gateway has no transaction for it (the customer has not paid, or it is not ours)."""

    outcome: Outcome
    gateway_status: str
    reference: str | None = None
    amount_cents: int | None = None  # the gross amount the gateway charged, in kobo
    currency: str | None = None
    transaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class Checkout:
    """A started checkout: where to send the customer."""

    url: str


class Gateway(Protocol):
    name: str
    label: str  # shown on the button: "Pay with <label>"

    async def initialize(
        self, *, reference: str, amount_cents: int, currency: str, email: str, name: str, return_url: str
    ) -> Checkout: ...

    async def verify(self, *, reference: str) -> Verification: ...

    def signature_ok(self, *, raw_body: bytes, headers: Mapping[str, str]) -> bool: ...

    def webhook_reference(self, raw_body: bytes) -> str | None:
        """Our reference named by a (signed) webhook body, or None when it names none."""
        ...


def read_json(response: httpx.Response) -> Any:
    """A gateway's JSON body, numbers with a fraction read as exact Decimals (never floats)."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise GatewayError(f"unreadable answer (HTTP {response.status_code})") from exc


def checkout_url(response: httpx.Response, *, gateway: str, field: str) -> str:
    """The hosted page's address in an initialize answer (``data.<field>``), or the gateway's refusal."""
    answer = read_json(response)
    try:
        url = answer["data"][field]
    except (KeyError, TypeError):
        url = None
    if response.status_code != 200 or not isinstance(url, str) or not url.startswith(("https://", "http://")):
        message = answer.get("message") if isinstance(answer, dict) else None
        raise GatewayError(f"{gateway} refused the checkout: {message or response.status_code}")
    return url


def verified_data(response: httpx.Response, *, gateway: str) -> dict[str, Any] | None:
    """A verify answer's ``data`` with its ``status`` text; None when the gateway does not know the
    reference (HTTP 400 or 404); a GatewayError for anything else that is not a readable answer."""
    if response.status_code in (400, 404):
        return None
    if response.status_code != 200:
        raise GatewayError(f"{gateway} verify answered HTTP {response.status_code}")
    answer = read_json(response)
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise GatewayError(f"{gateway} verify answered without a status")
    return data


def minor_units(value: object, *, major: bool) -> int | None:
    """An amount from a gateway in kobo: ``value`` is in kobo, or with ``major`` in naira (may carry up to
    2 decimals). None for anything else (a string, a fraction of a kobo, an absurd size), which the credit
    path then treats as a mismatch rather than rounding it into something that looks right."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    try:
        number = Decimal(value)
        if not number.is_finite() or abs(number) > MAX_AMOUNT_CENTS:
            return None
        cents = number * 100 if major else number
        if cents != cents.to_integral_value():
            return None
        return int(cents)
    except InvalidOperation:
        return None


def text_or_none(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value)[:64]
    return None
