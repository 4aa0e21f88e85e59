"""The SMS-Activate ``handler_api.php`` protocol adapter (SMS-Activate and its many clones).

Every call is ``GET {url}?api_key=KEY&action=ACTION&...``; the base URL is the provider's, usually
ending in ``/stubs/handler_api.php``. Answers are plain text (``ACCESS_NUMBER:id:phone``) or JSON for
listings and ``getNumberV2``. Errors come in two forms, both parsed: a bare token with HTTP 200
(``NO_NUMBERS``, ``BANNED:2026-01-01 10:00:00``) or JSON ``{"title": "BAD_KEY", "details": ...}`` with a
4xx/5xx status.

Error classification (see docs/decisions.md):

- ``NO_NUMBERS`` → :class:`NoNumbersAvailable` (the OTP domain tries the next provider).
- ``EARLY_CANCEL_DENIED`` → :class:`EarlyCancelDenied`, retryable: the same cancel succeeds later.
- ``NO_BALANCE``, ``BAD_KEY``, ``BAD_SERVICE``, ``BANNED``, ``NO_ACTIVATION``, ``BAD_STATUS``, ``WRONG_MAX_PRICE``
  and the other refusals in ``REFUSALS`` → not retryable, ``token`` set to the upstream token.
- ``ERROR_SQL``, HTTP 5xx, HTML pages, empty or unreadable answers, timeouts → retryable.
- Numbers are read within bounds (``providers.numbers``): a ``count`` that is unreadable or out of range
  (``"1e300000"``, past 64 bits) is a ``MALFORMED`` error for that pair, never a stall of the event loop.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from flashpanel.providers.base import (
    Activation,
    NoNumbersAvailable,
    ProviderError,
    Quote,
    SmsState,
    UpstreamBalance,
)
from flashpanel.providers.numbers import BadNumber, read_int
from flashpanel.providers.smm_v2 import DEFAULT_TIMEOUT, decode_json, http_client, send, text_of, to_decimal

# Upstream refusals that trying again will not fix.
REFUSALS = frozenset(
    {
        "NO_BALANCE",
        "NO_BALANCE_FORWARD",
        "BAD_KEY",
        "BAD_ACTION",
        "BAD_SERVICE",
        "BAD_COUNTRY",
        "BAD_STATUS",
        "BANNED",
        "WRONG_MAX_PRICE",
        "WRONG_EXCEPTION_PHONE",
        "WRONG_SERVICE",
        "WRONG_ACTIVATION_ID",
        "CHANNELS_LIMIT",
        "NO_ACTIVATION",
        "OTP_RECEIVED",
        "FREE_CANCELLATION_EXPIRED",
        "ACTIVATION_NOT_ACTIVE",
        "ACCOUNT_INACTIVE",
    }
)
TRANSIENT = frozenset({"ERROR_SQL", "SERVER_ERROR", "TRY_AGAIN_LATER"})
_TOKEN = re.compile(r"^[A-Z][A-Z0-9_]*(?::.*)?$", re.S)
# An upstream end time further ahead than this is not believed (e.g. a naive Moscow-time stamp read
# as UTC); the OTP domain then uses its own TTL.
MAX_EXPIRY_AHEAD_SECONDS = 3600.0


class EarlyCancelDenied(ProviderError):
    """The upstream refuses a cancel in the first minutes of an activation; retry it later."""

    def __init__(self, message: str = "EARLY_CANCEL_DENIED") -> None:
        super().__init__(message, retryable=True, token="EARLY_CANCEL_DENIED")


def error_for(text: str, *, details: str = "") -> ProviderError:
    """An upstream error token (``NO_NUMBERS``, ``BANNED:until``...) → the matching :class:`ProviderError`."""
    token = text.split(":", 1)[0].strip().upper()
    message = text.strip() + (f" ({details})" if details else "")
    if token == "NO_NUMBERS":
        return NoNumbersAvailable(message)
    if token == "EARLY_CANCEL_DENIED":
        return EarlyCancelDenied(message)
    if token in REFUSALS:
        return ProviderError(message, retryable=False, token=token)
    if token in TRANSIENT:
        return ProviderError(message, retryable=True, token=token)
    if _TOKEN.match(text.strip()):
        return ProviderError(f"unexpected upstream answer: {message[:120]}", retryable=True, token=token)
    return ProviderError(f"unexpected upstream answer: {message[:120]}", retryable=True, token="MALFORMED")


def parse_end_time(value: object, *, now: float) -> float | None:
    """``activationEndTime`` as epoch seconds: ISO 8601 (with or without offset; naive means UTC),
    ``YYYY-MM-DD HH:MM:SS`` or epoch seconds. None when absent, unreadable, past or implausibly far."""
    if value is None or value == "":
        return None
    number = to_decimal(value)
    if number is not None:
        at = float(number)
    else:
        try:
            parsed = datetime.fromisoformat(text_of(value))
        except ValueError:
            return None
        at = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return at if now < at <= now + MAX_EXPIRY_AHEAD_SECONDS else None


class SmsActivateProvider:
    """Implements :class:`flashpanel.providers.base.NumberProvider` over ``handler_api.php``."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        currency: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._key = api_key
        self.currency = currency
        self._timeout = timeout
        self._transport = transport
        self._clock = clock
        self._v2 = True  # getNumberV2 until the upstream says it does not know it

    def __repr__(self) -> str:  # never show the key
        return f"SmsActivateProvider({self.url!r})"

    async def call(self, action: str, **params: object) -> tuple[str, Any]:
        """One action: (stripped body text, decoded JSON or None). Error answers raise."""
        query = {"api_key": self._key, "action": action}
        query |= {name: str(value) for name, value in params.items() if value is not None}
        async with http_client(self._timeout, self._transport) as client:
            response = await send(client, "GET", self.url, params=query)
        body = response.text.strip()
        payload: Any = None
        if body[:1] in ("{", "["):
            try:
                payload = await decode_json(body)
            except ValueError:
                raise ProviderError("malformed JSON from the upstream", retryable=True, token="MALFORMED") from None
        if isinstance(payload, dict) and isinstance(payload.get("title"), str):
            raise error_for(payload["title"], details=text_of(payload.get("details")))
        if isinstance(payload, dict) and payload.get("status") == "error" and payload.get("error"):
            raise error_for(text_of(payload["error"]))
        status = response.status_code
        if status >= 400 and payload is None and _TOKEN.match(body):
            raise error_for(body)
        if status >= 500:
            raise ProviderError(f"upstream HTTP {status}", retryable=True, token="HTTP_5XX")
        if status == 429:
            raise ProviderError("upstream rate limit (HTTP 429)", retryable=True, token="RATE_LIMITED")
        if status in (401, 403):
            raise ProviderError(f"upstream refused the key (HTTP {status})", retryable=False, token="BAD_KEY")
        if status >= 400:
            raise ProviderError(f"upstream HTTP {status}", retryable=False, token="REJECTED")
        if not body:
            raise ProviderError("empty answer from the upstream", retryable=True, token="EMPTY")
        if body.startswith("<"):
            raise ProviderError("HTML instead of an answer", retryable=True, token="HTML")
        return body, payload

    async def _text(self, action: str, expected: tuple[str, ...], **params: object) -> str:
        body, payload = await self.call(action, **params)
        if payload is None and body.startswith(expected):
            return body
        raise error_for(body)

    # -- NumberProvider ---------------------------------------------------------------------------
    async def buy_number(self, *, upstream_country: str, upstream_service: str) -> Activation:
        params = {"service": upstream_service, "country": upstream_country}
        if self._v2:
            try:
                body, payload = await self.call("getNumberV2", **params)
                if isinstance(payload, dict) and payload.get("activationId") and payload.get("phoneNumber"):
                    return _activation(
                        activation_id=text_of(payload["activationId"]),
                        phone_number=text_of(payload["phoneNumber"]),
                        expires_at=parse_end_time(payload.get("activationEndTime"), now=self._clock()),
                        cost=to_decimal(payload.get("activationCost")),
                    )
                if payload is None and body.startswith("ACCESS_NUMBER:"):
                    return _access_number(body)
                raise error_for(body)
            except ProviderError as exc:
                if exc.token not in ("BAD_ACTION", "WRONG_ACTION"):
                    raise
                self._v2 = False  # nothing was bought: fall back to the classic action
        return _access_number(await self._text("getNumber", ("ACCESS_NUMBER:",), **params))

    async def check_sms(self, activation_id: str) -> SmsState:
        """``STATUS_OK:code`` → received; ``STATUS_CANCEL`` → cancelled; ``STATUS_WAIT_CODE`` /
        ``STATUS_WAIT_RESEND`` → waiting. ``STATUS_WAIT_RETRY:prev`` (the upstream waits for another
        code after ``prev``) is reported as received with ``prev``: a code did arrive."""
        body = await self._text("getStatus", ("STATUS_",), id=activation_id)
        name, _, rest = body.partition(":")
        if name == "STATUS_OK" and rest.strip():
            return SmsState(state="received", code=rest.strip())
        if name == "STATUS_WAIT_RETRY" and rest.strip():
            return SmsState(state="received", code=rest.strip())
        if name in ("STATUS_WAIT_CODE", "STATUS_WAIT_RESEND", "STATUS_WAIT_RETRY"):
            return SmsState(state="waiting")
        if name == "STATUS_CANCEL":
            return SmsState(state="cancelled")
        raise error_for(body)

    async def cancel(self, activation_id: str) -> None:
        """setStatus 8. Raises :class:`EarlyCancelDenied` inside the upstream's no-cancel window."""
        await self._text("setStatus", ("ACCESS_CANCEL",), id=activation_id, status=8)

    async def finish(self, activation_id: str) -> None:
        """setStatus 6."""
        await self._text("setStatus", ("ACCESS_ACTIVATION",), id=activation_id, status=6)

    async def request_another_sms(self, activation_id: str) -> None:
        """setStatus 3: wait for another code on the same number (free)."""
        await self._text("setStatus", ("ACCESS_RETRY_GET",), id=activation_id, status=3)

    async def available(self, *, upstream_country: str, upstream_service: str) -> int:
        """Numbers in stock for (country, service), from ``getPrices``; 0 when not listed."""
        quote = await self.quote(upstream_country=upstream_country, upstream_service=upstream_service)
        return quote.count

    async def quote(self, *, upstream_country: str, upstream_service: str) -> Quote:
        """Stock and price of one number for (country, service), from ``getPrices``; a count of 0 and no
        cost when not listed, no cost when the price is missing or unreadable (the count still counts)."""
        _body, payload = await self.call("getPrices", service=upstream_service, country=upstream_country)
        if not isinstance(payload, dict):
            raise ProviderError("malformed getPrices answer", retryable=True, token="MALFORMED")
        entry = payload.get(upstream_country, payload)
        entry = entry.get(upstream_service) if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            return Quote(count=0)
        try:
            count = read_int(entry.get("count"))
        except BadNumber as exc:
            raise ProviderError(f"malformed getPrices count: {exc}", retryable=True, token="MALFORMED") from None
        cost = to_decimal(entry.get("cost"))
        return Quote(count=max(0, count or 0), cost=cost if cost is not None and cost > 0 else None)

    # -- operator actions ---------------------------------------------------------------------------
    async def balance(self) -> UpstreamBalance:
        body = await self._text("getBalance", ("ACCESS_BALANCE:",))
        amount = to_decimal(body.split(":", 1)[1])
        if amount is None:
            raise ProviderError("malformed getBalance answer", retryable=True, token="MALFORMED")
        return UpstreamBalance(amount=amount, currency=self.currency)

    async def countries(self) -> dict[str, str]:
        """Upstream country id → English name."""
        _body, payload = await self.call("getCountries")
        if isinstance(payload, dict):
            items = list(payload.values())
        elif isinstance(payload, list):
            items = payload
        else:
            raise ProviderError("malformed getCountries answer", retryable=True, token="MALFORMED")
        return {
            text_of(item["id"]): text_of(item.get("eng") or item.get("name"), text_of(item["id"]))
            for item in items
            if isinstance(item, dict) and text_of(item.get("id"))
        }


# What the database keeps of an activation id and a phone number.
MAX_ACTIVATION_ID_CHARS = 64
MAX_PHONE_CHARS = 32


def _activation(
    *, activation_id: str, phone_number: str, expires_at: float | None = None, cost: Decimal | None = None
) -> Activation:
    if not 0 < len(activation_id) <= MAX_ACTIVATION_ID_CHARS or not 0 < len(phone_number) <= MAX_PHONE_CHARS:
        raise ProviderError(
            "malformed number: activation id or phone number too long", retryable=True, token="MALFORMED"
        )
    return Activation(activation_id=activation_id, phone_number=phone_number, expires_at=expires_at, cost=cost)


def _access_number(body: str) -> Activation:
    parts = body.split(":", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise ProviderError(f"malformed getNumber answer: {body[:80]}", retryable=True, token="MALFORMED")
    return _activation(activation_id=parts[1].strip(), phone_number=parts[2].strip())
