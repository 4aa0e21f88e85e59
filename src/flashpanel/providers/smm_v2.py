"""The SMM panel API v2 adapter (the de-facto standard spoken by Perfect Panel, JAP and their clones).

One endpoint, ``POST {url}`` form-encoded with ``key`` and ``action``; JSON answers. Real upstreams
bend the format, so everything is read leniently: numbers as strings or numbers, statuses in any case
and spelling, ``{"error": ...}`` with HTTP 200 or with 4xx/5xx, HTML or empty bodies, and the
``{"status": "success", "order": 151}`` variant of ``add``.

Error classification (``ProviderError.retryable`` / ``token``), see docs/decisions.md:

- transport: cannot connect → ``UNREACHABLE``; no (complete) answer → ``TIMEOUT``; HTTP 5xx without an
  error body → ``HTTP_5XX``; 429 → ``RATE_LIMITED``; HTML → ``HTML``; empty → ``EMPTY``; an answer over
  ``MAX_ANSWER_BYTES`` → ``TOO_LARGE``; not JSON or an unexpected shape → ``MALFORMED``: all retryable.
- numbers are read within bounds (``providers.numbers``): an order whose ``remains`` or ``start_count`` is
  unreadable or out of range (``"1e300000"``, ``"NaN"``, ``"33.5"``, past 64 bits) gets a ``MALFORMED``
  error of its own, and a catalog entry with such a rate, min or max is rejected, the others kept.
- ``{"error": message}``, by message: bad key → ``BAD_KEY``; service → ``BAD_SERVICE``; link/url/username
  → ``BAD_LINK``; quantity/min/max → ``BAD_QUANTITY``; order id → ``BAD_ORDER``: not retryable.
  Not enough funds → ``NO_FUNDS``, *retryable*: the operator can top the upstream up, and the submission
  outbox's retry budget (attempts with back-off, ~10 minutes) turns it into a cancel + refund after that.
  "active order with this link" → ``ACTIVE_ORDER`` and "too many requests / try again" → ``RETRY_LATER``:
  retryable. Any other message: retryable when the HTTP status was 5xx/429, otherwise ``REJECTED``
  (the upstream answered and refused on purpose), not retryable.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from flashpanel.providers.base import (
    ProviderError,
    RejectedService,
    SmmProgress,
    SmmStatus,
    SmmSubmission,
    UpstreamBalance,
    UpstreamCatalog,
    UpstreamService,
)
from flashpanel.providers.numbers import INT64_MAX, INT64_MIN, BadNumber, read_decimal, read_int

BATCH = 100  # ids per multi-status / cancel / refill_status call: the protocol's limit
DEFAULT_TIMEOUT = 20.0
# The largest answer read: a big panel's whole services list is a few megabytes.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
# Answers longer than this are decoded in a thread, so that the event loop keeps serving meanwhile.
JSON_IN_THREAD_CHARS = 256 * 1024
# The largest quantity a service may allow: what the catalog stores (a larger upstream maximum is clamped).
MAX_QUANTITY = 2**31 - 1


# -- lenient readers (also used by the SMS-Activate adapter), bounded like every upstream number -------
def to_decimal(value: object) -> Decimal | None:
    """:func:`providers.numbers.read_decimal`, with None for a value it refuses: for figures that only
    inform (an upstream's charge), where a bad one is better dropped than fatal."""
    try:
        return read_decimal(value)
    except BadNumber:
        return None


def to_int(value: object) -> int | None:
    """:func:`providers.numbers.read_int` (signed 64 bits), with None for a value it refuses."""
    try:
        return read_int(value)
    except BadNumber:
        return None


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return text_of(value).lower() in {"1", "true", "yes", "on", "y"}


def text_of(value: object, default: str = "") -> str:
    """A JSON scalar as stripped text (``default`` when absent or empty). An integer past 64 bits is not
    printed: Python refuses to print one of over 4,300 digits, and printing a long one is slow."""
    if value is None or isinstance(value, dict | list):
        return default
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return default
    return str(value).strip() or default


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
        message = message.get("message") or message.get("title") or json.dumps(message)[:500]
    text = text_of(message) or "unspecified upstream error"
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


async def decode_json(body: str) -> Any:
    """The JSON value of ``body``; raises ``ValueError`` when it is not JSON (a nesting too deep for the
    parser included). A long body is decoded in a thread: parsing megabytes must not stall the loop."""
    try:
        if len(body) > JSON_IN_THREAD_CHARS:
            return await asyncio.to_thread(json.loads, body)
        return json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one per client costs tens of milliseconds."""
    return httpx.create_ssl_context()


def http_client(timeout: float, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """A short-lived client (one per call, so it never outlives the event loop that uses it)."""
    return httpx.AsyncClient(timeout=timeout, transport=transport, verify=tls_context())


@dataclass(frozen=True, slots=True)
class Reply:
    """An upstream's answer: its HTTP status and body text (at most ``MAX_ANSWER_BYTES``)."""

    status_code: int
    text: str


async def _read(response: httpx.Response) -> Reply:
    body = bytearray()
    async for chunk in response.aiter_bytes():  # decompressed: a small gzip bomb is capped too
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise ProviderError(f"answer larger than {MAX_ANSWER_BYTES} bytes", retryable=True, token="TOO_LARGE")
    return Reply(response.status_code, body.decode(response.encoding or "utf-8", errors="replace"))


async def send(
    client: httpx.AsyncClient, method: str, url: str, *, params: dict[str, str] | None = None, data: Any = None
) -> Reply:
    """One HTTP request, its answer read up to ``MAX_ANSWER_BYTES``; transport failures become retryable
    :class:`ProviderError` s."""
    try:
        request = client.build_request(method, url, params=params, data=data)
        response = await client.send(request, stream=True)
        try:
            return await _read(response)
        finally:
            await response.aclose()
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
            payload = await decode_json(body) if body else None
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
        order_id = "" if isinstance(order, bool) else text_of(order)
        if order_id in ("", "0") or len(order_id) > MAX_ID_CHARS:
            raise _malformed(f"no usable order id in {_shorten(text_of(json.dumps(payload)[:200]))}")
        return SmmSubmission(upstream_order_id=order_id, cost=to_decimal(payload.get("charge")))

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
                    else _progress_or_malformed(item)
                )
        return result

    # -- operator actions ---------------------------------------------------------------------------
    async def services(self) -> UpstreamCatalog:
        """The upstream catalog: the entries read, and those rejected (no id, or a rate, min or max that
        is unreadable or out of range) with the reason, so that an import can report them."""
        payload = await self.call("services")
        if isinstance(payload, dict):  # some panels wrap the list
            payload = payload.get("services") or payload.get("data") or list(payload.values())
        if not isinstance(payload, list):
            raise _malformed("services is not a list")
        catalog = UpstreamCatalog()
        for item in payload:
            try:
                catalog.services.append(parse_service(item))
            except BadService as exc:
                catalog.rejected.append(RejectedService(exc.service, exc.reason))
            except (ValueError, RecursionError) as exc:  # whatever else a hostile entry holds
                catalog.rejected.append(RejectedService("?", f"unreadable entry: {exc.__class__.__name__}"))
        return catalog

    async def balance(self) -> UpstreamBalance:
        payload = await self.call("balance")
        amount = to_decimal(payload.get("balance")) if isinstance(payload, dict) else None
        if amount is None:
            raise _malformed("no balance in the answer")
        return UpstreamBalance(amount=amount, currency=text_of(payload.get("currency"))[:8].upper())

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
        refill_id = "" if isinstance(refill, bool) else text_of(refill)
        if not refill_id or len(refill_id) > MAX_ID_CHARS:
            raise _malformed("no usable refill id in the answer")
        return refill_id

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
MAX_ID_CHARS = 64  # what the database keeps of an upstream order or service id


def _progress_or_malformed(item: object) -> SmmProgress | ProviderError:
    try:
        return parse_progress(item)
    except (ValueError, RecursionError) as exc:  # an error text or status no reader expected
        return _malformed(f"order status: {exc.__class__.__name__}")


def parse_progress(item: object) -> SmmProgress | ProviderError:
    """One order's status object → progress, or the error the upstream gave for it."""
    if not isinstance(item, dict):
        return _malformed("order status is not an object")
    if "error" in item:
        return classify_error(item["error"])
    status = map_status(item.get("status"))
    if status is None:
        return ProviderError(
            f"unknown upstream status {_shorten(text_of(item.get('status')), 40)!r}",
            retryable=True,
            token="UNKNOWN_STATUS",
        )
    try:
        remains = read_int(item.get("remains"))
    except BadNumber as exc:
        return _malformed(f"order status: remains: {exc}")
    try:
        start_count = read_int(item.get("start_count"), minimum=0)
    except BadNumber as exc:
        return _malformed(f"order status: start_count: {exc}")
    return SmmProgress(
        status=status,
        start_count=start_count,
        # Negative remains means over-delivery: nothing is owed back.
        remains=None if remains is None else max(0, remains),
        cost=to_decimal(item.get("charge")),
    )


class BadService(ValueError):
    """A catalog entry that cannot be imported: ``service`` is its id as sent (shortened)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(reason)
        self.service = service
        self.reason = reason


def parse_service(item: object) -> UpstreamService:
    """One catalog entry; raises :class:`BadService` for an entry without an id, or with a rate, min or
    max that is not a number within bounds (a negative rate included). A ``max`` above what a service
    can allow is clamped to ``MAX_QUANTITY``."""
    if not isinstance(item, dict):
        raise BadService("?", "not an object")
    service_id = text_of(item.get("service", item.get("id")))
    if not service_id:
        raise BadService("?", "no service id")
    if len(service_id) > MAX_ID_CHARS:
        raise BadService(_shorten(service_id, 24), f"service id longer than {MAX_ID_CHARS} characters")
    try:
        rate = read_decimal(item.get("rate"))
        low = read_int(item.get("min"))
        high = read_int(item.get("max"))
    except BadNumber as exc:
        raise BadService(service_id, str(exc)) from None
    if rate is None or rate < 0:
        raise BadService(service_id, "no rate" if rate is None else f"negative rate {rate}")
    if low is not None and low > MAX_QUANTITY:
        raise BadService(service_id, f"min {low} above {MAX_QUANTITY}")
    return UpstreamService(
        service=service_id,
        name=text_of(item.get("name"), f"Service {service_id}"),
        type=text_of(item.get("type"), "Default"),
        category=text_of(item.get("category"), "Other"),
        rate=rate,
        min=low or 1,
        max=min(high or 0, MAX_QUANTITY),
        refill=to_bool(item.get("refill", False)),
        cancel=to_bool(item.get("cancel", False)),
        dripfeed=to_bool(item.get("dripfeed", False)),
        description=text_of(item.get("desc") or item.get("description")),
    )


def _keyed(payload: object) -> dict[str, Any]:
    """Multi-status answers: an object keyed by order id (the standard) or a list of objects with ``order``."""
    if isinstance(payload, dict):
        return {k.strip(): v for k, v in payload.items()}  # JSON keys are strings
    if isinstance(payload, list):
        return _by_key(payload, "order")
    raise _malformed("multi-status answer is neither an object nor a list")


def _by_key(payload: object, key: str) -> dict[str, Any]:
    if not isinstance(payload, list):
        raise _malformed(f"expected a list of objects with {key!r}")
    return {text_of(item[key]): item for item in payload if isinstance(item, dict) and key in item}


def _by_order(payload: object, field: str) -> dict[str, Any]:
    return {k: v.get(field) for k, v in _by_key(payload, "order").items()}


def _accepted(answer: object) -> bool | ProviderError:
    if isinstance(answer, dict):
        return classify_error(answer.get("error", answer))
    if answer is None:
        return ProviderError("order missing from the upstream's answer", retryable=True, token="MISSING")
    return to_bool(answer)
