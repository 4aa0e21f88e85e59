"""A fake SMM API v2 panel (Perfect Panel / JAP shapes, with their quirks), for tests and operators.

Serves ``POST``/``GET /api/v2`` (and ``/api/v1``) with ``key`` + ``action`` as form fields, query
parameters, or the key as an ``X-Api-Key`` header. Orders stay where they are until a hook moves them
(:meth:`progress`, :meth:`complete`, :meth:`partial`, :meth:`cancel_order`, :meth:`set_status`), or,
with ``auto_complete_after`` set (what ``flashpanel dev fake-upstream`` uses), they progress with the
clock and complete after that many seconds. ``add_calls`` counts ``add`` requests per link, so a test
can prove an order was submitted at most once. In a hostile mode (``{"op": "hostile", "mode": ...}``) its
numbers (status counts and charges, the balance, one extra catalog entry) take hostile forms: a huge
exponent, NaN, negative, fractional, past 64 bits, or every answer is an HTML page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flashpanel.providers.fakes.server import Answer, Clock, FakeUpstream, Request

DEFAULT_SERVICES: list[dict[str, Any]] = [
    # Deliberately mixed types, as real panels send them.
    {"service": 1, "name": "Instagram Followers", "type": "Default", "category": "Instagram", "rate": "0.90",
     "min": "50", "max": "10000", "refill": True, "cancel": True},
    {"service": 2, "name": "Instagram Likes", "type": "Default", "category": "Instagram", "rate": "0.27819",
     "min": "10", "max": "5000", "refill": False, "cancel": True},
    {"service": "3", "name": "YouTube Views", "type": "Default", "category": "YouTube", "rate": 1.5,
     "min": 100, "max": "100000", "refill": "1", "cancel": "0", "dripfeed": True},
]  # fmt: skip

HOSTILE_SERVICE_ID = 666  # the catalog entry with hostile figures, listed in hostile mode only
CANONICAL = ("Pending", "In progress", "Processing", "Completed", "Partial", "Canceled", "Refunded")
FINAL = ("Completed", "Partial", "Canceled", "Refunded")


@dataclass
class FakeOrder:
    id: int
    service: str
    link: str
    quantity: int
    rate: Decimal
    charge: Decimal
    created_at: float
    status: str = "Pending"
    start_count: int = 0
    remains: int = 0
    manual: bool = False  # moved by a hook: the auto-progress clock leaves it alone


class FakeSmmPanel(FakeUpstream):
    """``error_status``: HTTP status of ``{"error"}`` answers (200 like PHP panels, or e.g. 400 like
    NotPanel). ``success_wrapper``: ``add`` answers ``{"status":"success","order":N}``.
    ``numbers_as_numbers``: JSON numbers instead of strings. ``spelling``: canonical status → what to
    send instead (e.g. ``{"Canceled": "CANCELLED"}``)."""

    CONTROL_OPS = frozenset(
        {"fail_next", "clear_faults", "progress", "complete", "partial", "cancel_order", "set_status", "configure",
         "set_refill_status", "advance", "hostile"}
    )  # fmt: skip

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        services: list[dict[str, Any]] | None = None,
        balance: Decimal | str = "100",
        currency: str = "USD",
        clock: Clock | None = None,
        auto_complete_after: float | None = None,
        error_status: int = 200,
        success_wrapper: bool = False,
        numbers_as_numbers: bool = False,
        spelling: dict[str, str] | None = None,
        first_order_id: int = 1000,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.services = [dict(s) for s in (services if services is not None else DEFAULT_SERVICES)]
        self.balance = Decimal(balance)
        self.currency = currency
        self.clock = clock or Clock()
        self.auto_complete_after = auto_complete_after
        self.error_status = error_status
        self.success_wrapper = success_wrapper
        self.numbers_as_numbers = numbers_as_numbers
        self.spelling = dict(spelling or {})
        self.orders: dict[int, FakeOrder] = {}
        self.refills: dict[int, tuple[int, str]] = {}  # refill id -> (order id, status)
        self.add_calls: Counter[str] = Counter()  # link -> add requests that created an order
        self.status_batches: list[int] = []  # ids asked per multi-status call
        self._next_order = first_order_id
        self._next_refill = 1

    # -- hooks (Python API and POST /_control) ----------------------------------------------------
    def configure(self, **knobs: Any) -> None:
        """Change knobs at run time: balance, error_status, success_wrapper, numbers_as_numbers,
        spelling, auto_complete_after, services, api_key."""
        allowed = {"balance", "error_status", "success_wrapper", "numbers_as_numbers", "spelling",
                   "auto_complete_after", "services", "api_key", "currency"}  # fmt: skip
        with self.lock:
            for name, value in knobs.items():
                if name not in allowed:
                    raise ValueError(f"unknown knob {name!r}")
                setattr(self, name, Decimal(str(value)) if name == "balance" else value)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def progress(self, order: int, remains: int | None = None, start_count: int | None = None) -> None:
        with self.lock:
            o = self._order(order)
            o.status, o.manual = "In progress", True
            o.remains = o.quantity // 2 if remains is None else remains
            if start_count is not None:
                o.start_count = start_count

    def complete(self, order: int) -> None:
        with self.lock:
            o = self._order(order)
            o.status, o.remains, o.manual = "Completed", 0, True

    def partial(self, order: int, remains: int) -> None:
        """The upstream gives up with ``remains`` undelivered and refunds that part of its charge."""
        with self.lock:
            o = self._order(order)
            refund = o.charge * remains / o.quantity
            self.balance += refund
            o.charge -= refund
            o.status, o.remains, o.manual = "Partial", remains, True

    def cancel_order(self, order: int, refunded: bool = False) -> None:
        """Cancelled upstream (``Canceled``, or ``Refunded``) with a full refund of the upstream charge."""
        with self.lock:
            o = self._order(order)
            self.balance += o.charge
            o.charge = Decimal(0)
            o.status, o.manual = ("Refunded" if refunded else "Canceled"), True

    def set_status(self, order: int, status: str, remains: int | None = None) -> None:
        """Send ``status`` verbatim from now on (any spelling: ``"Fail"``, ``"in_progress"``...)."""
        with self.lock:
            o = self._order(order)
            o.status, o.manual = status, True
            if remains is not None:
                o.remains = remains

    def set_refill_status(self, refill: int, status: str) -> None:
        with self.lock:
            order_id, _ = self.refills[int(refill)]
            self.refills[int(refill)] = (order_id, status)

    def snapshot(self) -> dict[str, Any]:
        return {
            **super().snapshot(),
            "balance": str(self.balance),
            "add_calls": dict(self.add_calls),
            "orders": {str(i): self._status_of(o) for i, o in self.orders.items()},
        }

    def _order(self, order_id: int | str) -> FakeOrder:
        return self.orders[int(order_id)]

    # -- protocol ---------------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        if not request.path.rstrip("/").endswith(("/api/v2", "/api/v1")):
            return Answer(404, b"<html><body>404 Not Found</body></html>", "text/html")
        key = request.params.get("key") or request.headers.get("x-api-key")
        if key != self.api_key:
            return self._error("Invalid API key", 401)
        action = request.params.get("action", "")
        handler = getattr(self, f"_action_{action}", None)
        if handler is None:
            return self._error("Incorrect request", 400)
        with self.lock:
            result: Answer = handler(request.params)
            return result

    def _error(self, message: str, status: int = 400) -> Answer:
        return Answer.json({"error": message}, self.error_status if self.error_status == 200 else status)

    def _num(self, value: Any) -> Any:
        return value if self.numbers_as_numbers else str(value)

    def _action_services(self, params: dict[str, str]) -> Answer:
        if self.hostile_mode is None:
            return Answer.json(self.services)
        # One entry whose figures are hostile, among the normal ones: an import keeps the others.
        bad = {"service": HOSTILE_SERVICE_ID, "name": "Hostile figures", "type": "Default", "category": "Hostile",
               "rate": self.number("1.00"), "min": self.number("10"), "max": self.number("1000")}  # fmt: skip
        return Answer.json([*self.services, bad])

    def _action_balance(self, params: dict[str, str]) -> Answer:
        amount = float(self.balance) if self.numbers_as_numbers else f"{self.balance:.5f}"
        return Answer.json({"balance": self.number(amount), "currency": self.currency})

    def _service(self, service_id: str) -> dict[str, Any] | None:
        return next((s for s in self.services if str(s["service"]) == service_id.strip()), None)

    def _action_add(self, params: dict[str, str]) -> Answer:
        service = self._service(params.get("service", ""))
        if service is None:
            return self._error("Incorrect service ID")
        link = params.get("link", "")
        if not link.strip() or any(c.isspace() for c in link):
            return self._error("Incorrect link")
        try:
            quantity = int(params.get("quantity", ""))
            runs = int(params["runs"]) if params.get("runs") else 1
        except ValueError:
            return self._error("Incorrect quantity")
        if quantity < int(service["min"]):
            return self._error(f"Quantity less than minimal {service['min']}")
        if quantity > int(service["max"]):
            return self._error(f"Quantity more than maximal {service['max']}")
        rate = Decimal(str(service["rate"]))
        total = quantity * runs  # drip-feed: quantity is per run
        charge = rate * total / 1000
        if charge > self.balance:
            return self._error("Not enough funds on balance", 402)
        self.balance -= charge
        order_id = self._next_order
        self._next_order += 1
        self.orders[order_id] = FakeOrder(
            order_id, str(service["service"]), link, total, rate, charge, self.clock(), remains=total
        )
        self.add_calls[link] += 1
        if self.success_wrapper:
            return Answer.json({"status": "success", "order": order_id})
        if self.hostile_mode is not None:
            return Answer.json({"order": order_id, "charge": self.number(f"{charge:.5f}")})
        return Answer.json({"order": order_id})

    def _auto(self, order: FakeOrder) -> None:
        after = self.auto_complete_after
        if after is None or order.manual or order.status not in ("Pending", "In progress"):
            return
        elapsed = self.clock() - order.created_at
        if elapsed >= after:
            order.status, order.remains = "Completed", 0
        elif elapsed > 0:
            order.status = "In progress"
            order.remains = order.quantity - int(order.quantity * elapsed / after)

    def _status_of(self, order: FakeOrder) -> dict[str, Any]:
        self._auto(order)
        return {
            "charge": float(order.charge) if self.numbers_as_numbers else f"{order.charge:.5f}",
            "start_count": self._num(order.start_count),
            "status": self.spelling.get(order.status, order.status),
            "remains": self._num(order.remains),
            "currency": self.currency,
        }

    def _action_status(self, params: dict[str, str]) -> Answer:
        if "orders" in params:
            ids = [i.strip() for i in params["orders"].split(",") if i.strip()]
            if len(ids) > 100:
                return self._error("Maximum 100 orders per request")
            self.status_batches.append(len(ids))
            return Answer.json({i: self._one_status(i) for i in ids})
        item = self._one_status(params.get("order", ""))
        return self._error(item["error"]) if "error" in item else Answer.json(item)

    def _one_status(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            return {"error": "Incorrect order ID"}
        status = self._status_of(order)
        if self.hostile_mode is not None:
            status |= {name: self.number(status[name]) for name in ("start_count", "remains", "charge")}
        return status

    def _ids(self, params: dict[str, str], many: str, one: str) -> list[str]:
        raw = params.get(many) or params.get(one) or ""
        return [i.strip() for i in raw.split(",") if i.strip()]

    def _action_cancel(self, params: dict[str, str]) -> Answer:
        answers: list[dict[str, Any]] = []
        for order_id in self._ids(params, "orders", "order"):
            order = self.orders.get(int(order_id)) if order_id.isdigit() else None
            if order is None:
                answers.append({"order": order_id, "cancel": {"error": "Incorrect order ID"}})
            elif order.status in FINAL or not _truthy(self._service(order.service), "cancel"):
                answers.append({"order": int(order_id), "cancel": {"error": "Cancel is not available for this order"}})
            else:
                self.cancel_order(order.id)
                answers.append({"order": int(order_id), "cancel": 1})
        return Answer.json(answers)

    def _refill_one(self, order_id: str) -> Any:
        order = self.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            return {"error": "Incorrect order ID"}
        if order.status not in ("Completed", "Partial") or not _truthy(self._service(order.service), "refill"):
            return {"error": "Refill is not available for this order"}
        refill_id = self._next_refill
        self._next_refill += 1
        self.refills[refill_id] = (order.id, "Pending")
        return refill_id

    def _action_refill(self, params: dict[str, str]) -> Answer:
        if "orders" in params:
            return Answer.json([{"order": i, "refill": self._refill_one(i)} for i in self._ids(params, "orders", "")])
        answer = self._refill_one(params.get("order", ""))
        return self._error(answer["error"]) if isinstance(answer, dict) else Answer.json({"refill": str(answer)})

    def _action_refill_status(self, params: dict[str, str]) -> Answer:
        def status(refill_id: str) -> Any:
            known = self.refills.get(int(refill_id)) if refill_id.isdigit() else None
            return {"error": "Refill not found"} if known is None else known[1]

        if "refills" in params:
            return Answer.json([{"refill": i, "status": status(i)} for i in self._ids(params, "refills", "")])
        answer = status(params.get("refill", ""))
        return self._error(answer["error"]) if isinstance(answer, dict) else Answer.json({"status": answer})


def _truthy(service: dict[str, Any] | None, field: str) -> bool:
    value = (service or {}).get(field, False)
    return value is True or str(value).lower() in ("1", "true")
