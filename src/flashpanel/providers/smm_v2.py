"""The SMM panel API v2 adapter (the de-facto standard spoken by Perfect Panel, JAP and their clones).

One endpoint, ``POST {url}`` form-encoded with ``key`` and ``action``; JSON answers. Real upstreams
bend the format, so everything is read leniently: numbers as strings or numbers, statuses in any case
and spelling, ``{"error": ...}`` with HTTP 200 or with 4xx/5xx, HTML or empty bodies, and the
``{"status": "success", "order": 151}`` variant of ``add``.

Error classification (``ProviderError.retryable`` / ``token``), see docs/decisions.md:

- transport: cannot connect → ``UNREACHABLE``; no (complete) answer → ``TIMEOUT``; HTTP 5xx without an
  error body → ``HTTP_5XX``; 429 → ``RATE_LIMITED``; HTML → ``HTML``; empty → ``EMPTY``; not JSON or an
  unexpected shape → ``MALFORMED``: all retryable.
- ``{"error": message}``, by message: bad key → ``BAD_KEY``; service → ``BAD_SERVICE``; link/url/username
  → ``BAD_LINK``; quantity/min/max → ``BAD_QUANTITY``; order id → ``BAD_ORDER``: not retryable.
  Not enough funds → ``NO_FUNDS``, *retryable*: the operator can top the upstream up, and the submission
  outbox's retry budget (attempts with back-off, ~10 minutes) turns it into a cancel + refund after that.
  "active order with this link" → ``ACTIVE_ORDER`` and "too many requests / try again" → ``RETRY_LATER``:
  retryable. Any other message: retryable when the HTTP status was 5xx/429, otherwise ``REJECTED``
  (the upstream answered and refused on purpose), not retryable.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from flashpanel.providers.base import (
    ProviderError,
    SmmProgress,
    SmmStatus,
    SmmSubmission,
    UpstreamBalance,
    UpstreamService,
)

BATCH = 100  # ids per multi-status / cancel / refill_status call: the protocol's limit
DEFAULT_TIMEOUT = 20.0


# -- lenient readers (also used by the SMS-Activate adapter) ------------------------------------
def to_decimal(value: object) -> Decimal | None:
    """``"0.27819"``, ``0.9``, ``"1,5"``, ``" 12 "`` → Decimal; anything else → None. JSON floats go
    through ``str`` so ``0.9`` stays exactly ``0.9``."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_int(value: object) -> int | None:
    """``"157"``, ``157``, ``"157.0"`` → 157; anything else → None."""
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in {"1", "true", "yes", "on", "y"}


def words(value: object) -> str:
    """Free text normalised for matching: lower case, ``_``/``-`` as spaces, single spaces."""
    return " ".join(str(value).lower().replace("_", " ").replace("-", " ").split())


def batches(ids: Sequence[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


# -- statuses --------------------------------------------------------------------------------------
_STATUS_WORDS: dict[str, SmmStatus] = {
    "pending": "pending",
    "awaiting": "pending",
    "queued": "pending",
    "new": "pending",
    "processing": "processing",
    "in progress": "in_progress",
    "inprogress": "in_progress",
    "active": "in_progress",  # subscriptions
    "running": "in_progress",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "success": "completed",
    "finished": "completed",
    "partial": "partial",
    "partially completed": "partial",
    "partial completed": "partial",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "cancel": "cancelled",
    "refunded": "cancelled",
    "refund": "cancelled",
    "fail": "cancelled",
    "failed": "cancelled",
    "error": "cancelled",
    "rejected": "cancelled",
}


def map_status(raw: object) -> SmmStatus | None:
    """An upstream order status in any case or spelling → flashpanel's status; None when unknown.
    Refunded, Fail and Error mean the upstream gave up on the order: ``cancelled`` (full refund)."""
    return _STATUS_WORDS.get(words(raw)) if isinstance(raw, str) else None


REFILL_STATUSES = {"pending": "Pending", "in progress": "In progress", "processing": "Processing"}
REFILL_STATUSES |= {"completed": "Completed", "rejected": "Rejected", "canceled": "Canceled", "cancelled": "Canceled"}


# -- errors ----------------------------------------------------------------------------------------
_ERROR_RULES: list[tuple[re.Pattern[str], str, bool]] = [
    (re.compile(r"active order|wait until"), "ACTIVE_ORDER", True),
    (re.compile(r"too many|rate limit|try again|temporar|maintenance|timeout"), "RETRY_LATER", True),
    (re.compile(r"\bapi ?key\b|\bkey\b|unauthori|forbidden|access denied|token"), "BAD_KEY", False),
    (re.compile(r"fund|balance|insufficient"), "NO_FUNDS", True),
    (re.compile(r"service"), "BAD_SERVICE", False),
    (re.compile(r"link|url|username"), "BAD_LINK", False),
    (re.compile(r"quantity|minimal|maximal|\bmin\b|\bmax\b"), "BAD_QUANTITY", False),
    (re.compile(r"order"), "BAD_ORDER", False),
]


def classify_error(message: object, *, http_status: int = 200) -> ProviderError:
    """Turn an upstream ``{"error": message}`` into a :class:`ProviderError` (table in the module doc)."""
    if isinstance(message, dict):
        message = message.get("message") or message.get("title") or json.dumps(message)
    text = str(message).strip() or "unspecified upstream error"
    normalised = words(text)
    for pattern, token, retryable in _ERROR_RULES:
        if pattern.search(normalised):
            return ProviderError(text, retryable=retryable, token=token)
    if http_status >= 500 or http_status == 429:
        return ProviderError(text, retryable=True, token="UPSTREAM_ERROR")
    return ProviderError(text, retryable=False, token="REJECTED")


def _malformed(what: str) -> ProviderError:
    return ProviderError(f"malformed upstream answer: {what}", retryable=True, token="MALFORMED")


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one per client costs tens of milliseconds."""
    return httpx.create_ssl_context()


def http_client(timeout: float, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """A short-lived client (one per call, so it never outlives the event loop that uses it)."""
    return httpx.AsyncClient(timeout=timeout, transport=transport, verify=tls_context())


async def send(
    client: httpx.AsyncClient, method: str, url: str, *, params: dict[str, str] | None = None, data: Any = None
) -> httpx.Response:
    """One HTTP request; transport failures become retryable :class:`ProviderError` s."""
    try:
        return await client.request(method, url, params=params, data=data)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ProviderError(
            f"cannot reach the upstream: {exc.__class__.__name__}", retryable=True, token="UNREACHABLE"
        ) from exc
    except httpx.TimeoutException as exc:
        # The request may have reached the upstream: for an ``add`` the outcome is unknown.
        raise ProviderError(
            f"no answer from the upstream: {exc.__class__.__name__}", retryable=True, token="TIMEOUT"
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"upstream transport error: {exc.__class__.__name__}", retryable=True, token="TIMEOUT"
        ) from exc


class SmmV2Provider:
    """Implements :class:`flashpanel.providers.base.SmmProvider` over SMM API v2, plus the
    operator-side actions (services, balance, cancel, refill)."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self._key = api_key
        self._timeout = timeout
        self._transport = transport

    def __repr__(self) -> str:  # never show the key
        return f"SmmV2Provider({self.url!r})"

    async def call(self, action: str, **params: object) -> Any:
        """POST one action and return the decoded JSON; raises :class:`ProviderError`."""
        data = {"key": self._key, "action": action}
        data |= {name: str(value) for name, value in params.items() if value is not None}
        async with http_client(self._timeout, self._transport) as client:
            response = await send(client, "POST", self.url, data=data)
        body = response.text.strip()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if isinstance(payload, dict) and "error" in payload and "order" not in payload:
            raise classify_error(payload["error"], http_status=response.status_code)
        status = response.status_code
        if status >= 500:
            raise ProviderError(f"upstream HTTP {status}: {_shorten(body)}", retryable=True, token="HTTP_5XX")
        if status == 429:
            raise ProviderError("upstream rate limit (HTTP 429)", retryable=True, token="RATE_LIMITED")
        if status in (401, 403):
            raise ProviderError(f"upstream refused the key (HTTP {status})", retryable=False, token="BAD_KEY")
        if status >= 400:
            raise ProviderError(f"upstream HTTP {status}: {_shorten(body)}", retryable=False, token="REJECTED")
        if not body:
            raise ProviderError("empty answer from the upstream", retryable=True, token="EMPTY")
        if payload is None:
            if body.startswith("<"):
                raise ProviderError(f"HTML instead of JSON: {_shorten(body)}", retryable=True, token="HTML")
            raise _malformed(_shorten(body))
        return payload

    # -- SmmProvider ------------------------------------------------------------------------------
    async def submit(
        self, *, upstream_service: str, link: str, quantity: int, runs: int | None = None, interval: int | None = None
    ) -> SmmSubmission:
        payload = await self.call(
            "add", service=upstream_service, link=link, quantity=quantity, runs=runs, interval=interval
        )
        order = payload.get("order") if isinstance(payload, dict) else None
        if order is None or isinstance(order, bool) or str(order).strip() in ("", "0"):
            raise _malformed(f"no order id in {_shorten(json.dumps(payload))}")
        return SmmSubmission(upstream_order_id=str(order).strip(), cost=to_decimal(payload.get("charge")))

    async def fetch_progress(self, upstream_order_ids: Sequence[str]) -> dict[str, SmmProgress | ProviderError]:
        """Every id gets an answer: its progress, or the error for it (or for its whole batch)."""
        result: dict[str, SmmProgress | ProviderError] = {}
        ids = list(dict.fromkeys(str(i) for i in upstream_order_ids))
        for batch in batches(ids):
            try:
                if len(batch) == 1:
                    payload = await self.call("status", order=batch[0])
                    if isinstance(payload, dict) and "status" not in payload and batch[0] in payload:
                        payload = payload[batch[0]]  # a panel answering the multi shape for one id
                    items = {batch[0]: payload}
                else:
                    items = _keyed(await self.call("status", orders=",".join(batch)))
            except ProviderError as exc:
                result.update(dict.fromkeys(batch, exc))
                continue
            for order_id in batch:
                item = items.get(order_id)
                result[order_id] = (
                    ProviderError("order missing from the upstream's answer", retryable=True, token="MISSING")
                    if item is None
                    else parse_progress(item)
                )
        return result

    # -- operator actions ---------------------------------------------------------------------------
    async def services(self) -> list[UpstreamService]:
        """The upstream catalog; entries without an id or a readable rate are skipped."""
        payload = await self.call("services")
        if isinstance(payload, dict):  # some panels wrap the list
            payload = payload.get("services") or payload.get("data") or list(payload.values())
        if not isinstance(payload, list):
            raise _malformed("services is not a list")
        return [service for item in payload if (service := parse_service(item)) is not None]

    async def balance(self) -> UpstreamBalance:
        payload = await self.call("balance")
        amount = to_decimal(payload.get("balance")) if isinstance(payload, dict) else None
        if amount is None:
            raise _malformed("no balance in the answer")
        return UpstreamBalance(amount=amount, currency=str(payload.get("currency") or "").strip().upper())

    async def cancel(self, upstream_order_ids: Sequence[str]) -> dict[str, bool | ProviderError]:
        """Ask the upstream to cancel orders; True where it accepted (the outcome shows up in later
        status replies)."""
        result: dict[str, bool | ProviderError] = {}
        for batch in batches([str(i) for i in upstream_order_ids]):
            try:
                payload = await self.call("cancel", orders=",".join(batch))
            except ProviderError as exc:
                result.update(dict.fromkeys(batch, exc))
                continue
            answers = _by_order(payload, "cancel")
            for order_id in batch:
                result[order_id] = _accepted(answers.get(order_id))
        return result

    async def refill(self, upstream_order_id: str) -> str:
        """Ask for a refill; returns the upstream refill id."""
        payload = await self.call("refill", order=upstream_order_id)
        refill = payload.get("refill") if isinstance(payload, dict) else None
        if isinstance(refill, dict):
            raise classify_error(refill.get("error", refill))
        if refill is None or isinstance(refill, bool):
            raise _malformed("no refill id in the answer")
        return str(refill)

    async def refill_status(self, refill_ids: Sequence[str]) -> dict[str, str | ProviderError]:
        """Refill statuses in canonical spelling (``Completed``, ``Rejected``, ``Pending``...)."""
        result: dict[str, str | ProviderError] = {}
        for batch in batches([str(i) for i in refill_ids]):
            try:
                if len(batch) == 1:
                    payload = await self.call("refill_status", refill=batch[0])
                    answers = {batch[0]: payload.get("status") if isinstance(payload, dict) else None}
                else:
                    payload = await self.call("refill_status", refills=",".join(batch))
                    answers = {k: v.get("status") for k, v in _by_key(payload, "refill").items()}
            except ProviderError as exc:
                result.update(dict.fromkeys(batch, exc))
                continue
            for refill_id in batch:
                status = answers.get(refill_id)
                if isinstance(status, dict):
                    result[refill_id] = classify_error(status.get("error", status))
                elif isinstance(status, str) and status.strip():
                    result[refill_id] = REFILL_STATUSES.get(words(status), status.strip())
                else:
                    result[refill_id] = _malformed("no refill status")
        return result


# -- shapes ------------------------------------------------------------------------------------------
def parse_progress(item: object) -> SmmProgress | ProviderError:
    """One order's status object → progress, or the error the upstream gave for it."""
    if not isinstance(item, dict):
        return _malformed("order status is not an object")
    if "error" in item:
        return classify_error(item["error"])
    status = map_status(item.get("status"))
    if status is None:
        return ProviderError(f"unknown upstream status {item.get('status')!r}", retryable=True, token="UNKNOWN_STATUS")
    remains = to_int(item.get("remains"))
    return SmmProgress(
        status=status,
        start_count=to_int(item.get("start_count")),
        # Negative remains means over-delivery: nothing is owed back.
        remains=None if remains is None else max(0, remains),
        cost=to_decimal(item.get("charge")),
    )


def parse_service(item: object) -> UpstreamService | None:
    if not isinstance(item, dict):
        return None
    service_id = item.get("service", item.get("id"))
    rate = to_decimal(item.get("rate"))
    if service_id is None or str(service_id).strip() == "" or rate is None or rate < 0:
        return None
    return UpstreamService(
        service=str(service_id).strip(),
        name=str(item.get("name") or f"Service {service_id}").strip(),
        type=str(item.get("type") or "Default").strip(),
        category=str(item.get("category") or "Other").strip(),
        rate=rate,
        min=to_int(item.get("min")) or 1,
        max=to_int(item.get("max")) or 0,
        refill=to_bool(item.get("refill", False)),
        cancel=to_bool(item.get("cancel", False)),
        dripfeed=to_bool(item.get("dripfeed", False)),
        description=str(item.get("desc") or item.get("description") or "").strip(),
    )


def _keyed(payload: object) -> dict[str, Any]:
    """Multi-status answers: an object keyed by order id (the standard) or a list of objects with ``order``."""
    if isinstance(payload, dict):
        return {str(k).strip(): v for k, v in payload.items()}
    if isinstance(payload, list):
        return _by_key(payload, "order")
    raise _malformed("multi-status answer is neither an object nor a list")


def _by_key(payload: object, key: str) -> dict[str, Any]:
    if not isinstance(payload, list):
        raise _malformed(f"expected a list of objects with {key!r}")
    return {str(item[key]).strip(): item for item in payload if isinstance(item, dict) and key in item}


def _by_order(payload: object, field: str) -> dict[str, Any]:
    return {k: v.get(field) for k, v in _by_key(payload, "order").items()}


def _accepted(answer: object) -> bool | ProviderError:
    if isinstance(answer, dict):
        return classify_error(answer.get("error", answer))
    if answer is None:
        return ProviderError("order missing from the upstream's answer", retryable=True, token="MISSING")
    return to_bool(answer)
