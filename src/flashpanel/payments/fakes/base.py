"""What both fake gateways share: transactions, a hosted checkout page (Pay / Cancel), webhook
delivery, and the ``POST /_control`` knobs (``GET /_control`` shows the state).

Knobs (``configure``): ``outcome`` of the next payments (success, failed, abandoned, reversed, pending);
``amount_delta`` (kobo added to what is paid) and ``currency`` (paid in another currency): a mismatch;
``webhook``: ``now`` (after the redirect), ``late`` (held until ``release_webhooks``, e.g. after the
reconciler ran) or ``never``; ``webhook_times`` and ``concurrent``: the same event N times, all at once;
``bad_signature``: signed with the wrong secret; ``verify_delay``: seconds verify takes to answer.
``settle(reference, outcome)`` moves a pending payment on later; ``send_webhook`` sends one now."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import threading
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from flashpanel.providers.fakes.server import Answer

Scope = dict[str, Any]
OUTCOMES = ("success", "failed", "abandoned", "reversed", "pending")
WEBHOOK_MODES = ("now", "late", "never")


@dataclass
class Transaction:
    reference: str
    id: int
    amount_minor: int  # what the merchant asked for, in kobo
    currency: str
    email: str
    return_url: str
    outcome: str | None = None  # None until the customer pays or cancels
    paid_minor: int | None = None
    paid_currency: str | None = None


@dataclass
class Knobs:
    outcome: str = "success"
    amount_delta: int = 0
    currency: str | None = None
    webhook: str = "now"
    webhook_times: int = 1
    concurrent: bool = False
    bad_signature: bool = False
    verify_delay: float = 0.0


@dataclass
class Incoming:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


class FakeGateway:
    """Base of the fake gateways: an ASGI app. Subclasses implement :meth:`route` (the gateway's API)
    and the wire details: status words, redirect query, webhook body and headers."""

    name = ""
    CONTROL_OPS = frozenset({"configure", "reset_knobs", "pay", "cancel", "settle", "send_webhook", "release_webhooks"})

    def __init__(self, *, secret: str, webhook_url: str | None = None, base_url: str = "") -> None:
        self.secret = secret
        self.webhook_url = webhook_url
        self.base_url = base_url  # where the fake is served; set by the caller once the port is known
        self.knobs = Knobs()
        self.lock = threading.RLock()
        self.transactions: dict[str, Transaction] = {}
        self.by_id: dict[int, Transaction] = {}
        self._ids = itertools.count(4_100_000)
        self.verify_calls = 0
        self.verifying = 0  # verify requests being answered right now (held by verify_delay)
        self.deliveries: list[int] = []  # HTTP status of each webhook delivery (0: not delivered)
        self.held: list[str] = []  # references whose webhooks wait for release_webhooks
        self._tasks: set[asyncio.Task[None]] = set()

    # -- to override ----------------------------------------------------------------------------------
    async def route(self, request: Incoming) -> Answer:
        raise NotImplementedError

    def status_word(self, transaction: Transaction) -> str:
        raise NotImplementedError

    def redirect_query(self, transaction: Transaction) -> dict[str, str]:
        raise NotImplementedError

    def webhook_wanted(self, transaction: Transaction) -> bool:
        raise NotImplementedError

    def webhook(self, transaction: Transaction, *, bad_signature: bool) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    # -- knobs ----------------------------------------------------------------------------------------
    def configure(self, **changes: Any) -> dict[str, Any]:
        with self.lock:
            for name, value in changes.items():
                if not hasattr(self.knobs, name):
                    raise ValueError(f"unknown knob {name!r}; one of {sorted(asdict(self.knobs))}")
                setattr(self.knobs, name, value)
            if self.knobs.outcome not in OUTCOMES:
                raise ValueError(f"outcome must be one of {OUTCOMES}")
            if self.knobs.webhook not in WEBHOOK_MODES:
                raise ValueError(f"webhook must be one of {WEBHOOK_MODES}")
            return asdict(self.knobs)

    def reset_knobs(self) -> dict[str, Any]:
        with self.lock:
            self.knobs = Knobs()
            return asdict(self.knobs)

    def new_transaction(self, *, reference: str, amount_minor: int, currency: str, email: str, return_url: str) -> str:
        """Register a checkout; returns the hosted page's URL. Raises ValueError on a reused reference."""
        with self.lock:
            if reference in self.transactions:
                raise ValueError("Duplicate Transaction Reference")
            transaction = Transaction(reference, next(self._ids), amount_minor, currency, email, return_url)
            self.transactions[reference] = transaction
            self.by_id[transaction.id] = transaction
        return f"{self.base_url}/checkout/{reference}"

    def pay(self, reference: str) -> str:
        """The customer pays (the knobs decide how it ends); returns the URL the customer is sent back to.
        The webhook follows as the knobs say."""
        with self.lock:
            transaction = self.transactions[reference]
            knobs = self.knobs
            transaction.outcome = knobs.outcome
            transaction.paid_minor = transaction.amount_minor + knobs.amount_delta
            transaction.paid_currency = knobs.currency or transaction.currency
        self._after_change(transaction)
        return self.return_url(transaction)

    def cancel(self, reference: str) -> str:
        with self.lock:
            transaction = self.transactions[reference]
            transaction.outcome = "abandoned"
        return self.return_url(transaction)

    def settle(self, reference: str, outcome: str = "success") -> None:
        """A payment left pending ends now (e.g. a bank's late confirmation)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        with self.lock:
            transaction = self.transactions[reference]
            transaction.outcome = outcome
        self._after_change(transaction)

    def send_webhook(
        self, reference: str, times: int = 1, concurrent: bool = False, bad_signature: bool = False
    ) -> None:
        """Send the transaction's webhook now, whatever its state (``resend-hook``)."""
        self._schedule(self.transactions[reference], times=times, concurrent=concurrent, bad_signature=bad_signature)

    def release_webhooks(self) -> int:
        """Deliver the webhooks held by ``webhook="late"``; returns how many transactions they were for."""
        with self.lock:
            held, self.held = self.held, []
        for reference in held:
            self._schedule_by_knobs(self.transactions[reference])
        return len(held)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "knobs": asdict(self.knobs),
                "transactions": {r: {**asdict(t), "status": self.status_word(t)} for r, t in self.transactions.items()},
                "verify_calls": self.verify_calls,
                "verifying": self.verifying,
                "deliveries": list(self.deliveries),
                "held": list(self.held),
            }

    # -- helpers for subclasses -----------------------------------------------------------------------
    def return_url(self, transaction: Transaction) -> str:
        separator = "&" if "?" in transaction.return_url else "?"
        return f"{transaction.return_url}{separator}{urlencode(self.redirect_query(transaction))}"

    def authorized(self, request: Incoming) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.secret}"

    async def held_verify(self) -> None:
        """Count a verify call, and hold it ``verify_delay`` seconds."""
        with self.lock:
            self.verify_calls += 1
            self.verifying += 1
            delay = self.knobs.verify_delay
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            with self.lock:
                self.verifying -= 1

    def _after_change(self, transaction: Transaction) -> None:
        if not self.webhook_wanted(transaction):
            return
        with self.lock:
            mode = self.knobs.webhook
            if mode == "late":
                self.held.append(transaction.reference)
        if mode == "now":
            self._schedule_by_knobs(transaction)

    def _schedule_by_knobs(self, transaction: Transaction) -> None:
        knobs = self.knobs
        self._schedule(
            transaction, times=knobs.webhook_times, concurrent=knobs.concurrent, bad_signature=knobs.bad_signature
        )

    def _schedule(self, transaction: Transaction, *, times: int, concurrent: bool, bad_signature: bool) -> None:
        """Deliver from the fake's own event loop, after the current answer (the redirect) is sent."""
        if self.webhook_url is None:
            return
        body, headers = self.webhook(transaction, bad_signature=bad_signature)
        delivery = self._deliver(body, headers, times, concurrent)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called from plain code (a test thread): deliver from a thread of its own
            threading.Thread(target=asyncio.run, args=(delivery,), daemon=True).start()
            return
        task = loop.create_task(delivery)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, body: bytes, headers: dict[str, str], times: int, concurrent: bool) -> None:
        assert self.webhook_url is not None
        url = self.webhook_url

        async def once(client: httpx.AsyncClient) -> None:
            try:
                response = await client.post(url, content=body, headers={"content-type": "application/json", **headers})
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            with self.lock:
                self.deliveries.append(status)

        await asyncio.sleep(0.05)  # let the redirect reach the browser first, as a real gateway does
        async with httpx.AsyncClient(timeout=30) as client:
            if concurrent:
                await asyncio.gather(*(once(client) for _ in range(times)))
            else:
                for _ in range(times):
                    await once(client)

    def checkout_page(self, reference: str) -> Answer:
        transaction = self.transactions.get(reference)
        if transaction is None:
            return Answer(404, b"<h1>Unknown checkout</h1>", "text/html; charset=utf-8")
        ref = html.escape(reference)
        amount = f"{transaction.currency} {transaction.amount_minor // 100}.{transaction.amount_minor % 100:02d}"
        page = (
            "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            f"<title>Fake {self.name} checkout</title></head><body>"
            f"<h1>Fake {self.name} checkout</h1><p>Pay {html.escape(amount)} as {html.escape(transaction.email)}"
            f" (reference {ref}).</p>"
            f'<form method="post" action="/checkout/{ref}/pay"><button type="submit">Pay</button></form>'
            f'<form method="post" action="/checkout/{ref}/cancel"><button type="submit">Cancel</button></form>'
            "</body></html>"
        )
        return Answer(200, page.encode(), "text/html; charset=utf-8")

    # -- ASGI -----------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        request = Incoming(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)),
            headers=headers,
            body=body,
        )
        location: str | None = None
        if request.path == "/_control":
            answer = self._control(request)
        elif request.path.startswith("/checkout/"):
            answer, location = self._checkout(request)
        else:
            answer = await self.route(request)
        response_headers = [(b"content-type", answer.content_type.encode())]
        if location:
            response_headers.append((b"location", location.encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _checkout(self, request: Incoming) -> tuple[Answer, str | None]:
        parts = request.path.strip("/").split("/")
        reference = parts[1] if len(parts) > 1 else ""
        if request.method == "GET" and len(parts) == 2:
            return self.checkout_page(reference), None
        if request.method == "POST" and len(parts) == 3 and reference in self.transactions:
            target = self.pay(reference) if parts[2] == "pay" else self.cancel(reference)
            return Answer(303, b"", "text/plain"), target
        return Answer(404, b"not found", "text/plain"), None

    def _control(self, request: Incoming) -> Answer:
        if request.method == "GET":
            return Answer.json(self.snapshot())
        try:
            command = json.loads(request.body or b"{}")
            op = command.pop("op")
        except (ValueError, KeyError, AttributeError):
            return Answer.json({"error": 'body must be {"op": NAME, ...arguments}'}, 400)
        if op not in self.CONTROL_OPS:
            return Answer.json({"error": f"unknown op {op!r}", "ops": sorted(self.CONTROL_OPS)}, 400)
        try:
            result = getattr(self, op)(**command)
        except (TypeError, ValueError, KeyError) as exc:
            return Answer.json({"error": f"{exc.__class__.__name__}: {exc}"}, 400)
        return Answer.json({"ok": True, "result": result})
