"""The provider seam: what flashpanel needs from whoever fulfils an order.

SMM providers take orders and report their progress; number providers sell one activation of a
phone number and report the SMS it receives. The built-in simulators, and one adapter per upstream
protocol (SMM API v2, SMS-Activate's handler_api), implement these protocols. Statuses returned here
are already flashpanel's own words; adapters translate the upstream's spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

SmmStatus = Literal["pending", "processing", "in_progress", "completed", "partial", "cancelled"]

# Line breaks and other control characters (tab excepted), as escapes: upstream text must not forge log lines.
_CONTROLS = [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_ESCAPED = {code: (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _CONTROLS}
_ESCAPED |= {0x0A: "\\n", 0x0D: "\\r"}


def one_line(text: str) -> str:
    """Upstream text made safe for one log line (or one stored message): control characters escaped."""
    return text.translate(_ESCAPED)


class ProviderError(Exception):
    """An upstream refused or failed. ``retryable`` says whether trying again later may succeed
    (timeouts, 5xx, HTML bodies) or not (bad service, bad link, bad key). The message, which often
    carries the upstream's own words, is kept on one line (:func:`one_line`)."""

    def __init__(self, message: str, *, retryable: bool, token: str | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.token = token

    @property
    def outcome_unknown(self) -> bool:
        """The request reached the upstream but no answer came back (a timeout after sending):
        the upstream may have acted on it, so repeating a non-idempotent call could do it twice."""
        return self.token == "TIMEOUT"


class NoNumbersAvailable(ProviderError):
    """The number provider has no number for this (country, service) right now; try another one."""

    def __init__(self, message: str = "No numbers available") -> None:
        super().__init__(message, retryable=False, token="NO_NUMBERS")


@dataclass(frozen=True, slots=True)
class UpstreamBalance:
    amount: Decimal
    currency: str


# -- SMM -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SmmSubmission:
    upstream_order_id: str
    # What the upstream charged, in its own currency, when it says so.
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SmmProgress:
    status: SmmStatus
    start_count: int | None = None
    remains: int | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class UpstreamService:
    service: str
    name: str
    type: str
    category: str
    rate: Decimal  # per 1000, provider currency, full precision
    min: int
    max: int
    refill: bool = False
    cancel: bool = False
    dripfeed: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class RejectedService:
    """A catalog entry an upstream sent that could not be read: its id as sent, and why."""

    service: str
    reason: str


@dataclass(frozen=True, slots=True)
class UpstreamCatalog:
    """An upstream's services list as read: one bad entry is set aside, never fatal to the others."""

    services: list[UpstreamService] = field(default_factory=list)
    rejected: list[RejectedService] = field(default_factory=list)


class SmmProvider(Protocol):
    async def submit(
        self, *, upstream_service: str, link: str, quantity: int, runs: int | None = None, interval: int | None = None
    ) -> SmmSubmission:
        """Place the order upstream. Raises :class:`ProviderError`."""
        ...

    async def fetch_progress(self, upstream_order_ids: Sequence[str]) -> dict[str, SmmProgress | ProviderError]:
        """Status of many orders at once (adapters batch by the upstream's limit)."""
        ...


# -- Numbers (OTP) -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Activation:
    activation_id: str
    phone_number: str
    # Epoch seconds when the upstream ends the activation, when it says so.
    expires_at: float | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """What a number provider says of one (country, service) now: numbers in stock, and the price of one
    in its own currency when it says so."""

    count: int
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SmsState:
    state: Literal["waiting", "received", "cancelled"]
    code: str | None = None


class NumberProvider(Protocol):
    async def buy_number(self, *, upstream_country: str, upstream_service: str) -> Activation:
        """Raises :class:`NoNumbersAvailable` or :class:`ProviderError`."""
        ...

    async def check_sms(self, activation_id: str) -> SmsState: ...

    async def cancel(self, activation_id: str) -> None:
        """Release the number upstream (the customer cancelled or it expired)."""
        ...

    async def finish(self, activation_id: str) -> None:
        """Tell the upstream the code was used."""
        ...

    async def available(self, *, upstream_country: str, upstream_service: str) -> int: ...

    async def quote(self, *, upstream_country: str, upstream_service: str) -> Quote:
        """Stock and price of one number (the back office's cost and margin of an OTP service)."""
        ...
