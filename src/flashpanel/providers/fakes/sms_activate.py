"""A fake SMS-Activate ``handler_api.php`` upstream, for tests and operators.

Serves ``/stubs/handler_api.php`` (GET or POST, ``api_key`` + ``action``). Each activation follows the
protocol's state machine: ``wait`` → optional ``ready`` (setStatus 1) → ``code`` (an SMS arrived:
:meth:`deliver_sms`, or automatically after ``auto_sms_after`` seconds) → ``retry`` (setStatus 3) →
``code`` → ``finished`` (setStatus 6); or ``cancelled`` (setStatus 8) / ``expired`` (past its end time;
getStatus then says ``STATUS_CANCEL`` and the balance is refunded).

Knobs (constructor, :meth:`configure`, ``POST /_control``): stock per (service, country) → ``NO_NUMBERS``;
balance → ``NO_BALANCE``; ``early_cancel_seconds`` → ``EARLY_CANCEL_DENIED``; ``maxPrice`` below cost →
``WRONG_MAX_PRICE:<cost>``; ``banned_until`` → ``BANNED:<until>``; ``error_style`` ``plain`` (token with
HTTP 200) or ``json`` (``{"title","details"}`` with 4xx/5xx; ``NO_NUMBERS`` stays plain as HeroSMS does);
``v2=False`` answers ``getNumberV2`` with ``BAD_ACTION``; ``end_time=False`` omits ``activationEndTime``;
plus the transport faults of :class:`FakeUpstream` (500, HTML, empty, malformed JSON, slow, hang) and
its hostile modes (``{"op": "hostile", "mode": "exponent"}``: counts, costs, balance and end times sent
as huge exponents, NaN, negative, fractional or past-64-bit numbers, or every answer as HTML).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flashpanel.providers.fakes.server import Answer, Clock, FakeUpstream, Request

DEFAULT_PRICES = {("tg", "0"): "0.50", ("wa", "0"): "0.80", ("tg", "6"): "0.30", ("wa", "187"): "1.20"}
DEFAULT_COUNTRIES = {"0": ("Russia", "Россия"), "6": ("Indonesia", "Индонезия"), "187": ("USA", "США")}
JSON_ERROR_STATUS = {
    "BAD_KEY": 401, "NO_BALANCE": 402, "EARLY_CANCEL_DENIED": 403, "BANNED": 403, "NO_ACTIVATION": 404,
    "BAD_SERVICE": 400, "BAD_ACTION": 400, "BAD_STATUS": 400, "WRONG_MAX_PRICE": 400, "ERROR_SQL": 500,
}  # fmt: skip
WAITING = ("wait", "ready", "resend")


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class FakeActivation:
    id: int
    service: str
    country: str
    phone: str
    cost: Decimal
    bought_at: float
    ends_at: float
    state: str = "wait"  # wait | ready | resend | code | retry | finished | cancelled | expired
    code: str | None = None
    previous_code: str | None = None
    text: str | None = None


class FakeSmsActivate(FakeUpstream):
    CONTROL_OPS = frozenset(
        {"fail_next", "clear_faults", "deliver_sms", "set_stock", "configure", "advance", "expire", "resend", "hostile"}
    )
    MALFORMED_BODY = '{"activationId": 1, "phoneNumber": "79'

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        balance: Decimal | str = "10.00",
        prices: dict[tuple[str, str], str] | None = None,
        stock: int = 100,
        clock: Clock | None = None,
        ttl_seconds: float = 1200,
        early_cancel_seconds: float = 0,
        error_style: str = "plain",
        v2: bool = True,
        end_time: bool = True,
        auto_sms_after: float | None = None,
        banned_until: str | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.balance = Decimal(balance)
        self.prices = {key: Decimal(cost) for key, cost in (prices or DEFAULT_PRICES).items()}
        self.stock = dict.fromkeys(self.prices, stock)
        self.clock = clock or Clock()
        self.ttl_seconds = ttl_seconds
        self.early_cancel_seconds = early_cancel_seconds
        self.error_style = error_style
        self.v2 = v2
        self.end_time = end_time
        self.auto_sms_after = auto_sms_after
        self.banned_until = banned_until
        self.activations: dict[int, FakeActivation] = {}
        self._next_id = 100_000

    # -- hooks ----------------------------------------------------------------------------------
    def configure(self, **knobs: Any) -> None:
        allowed = {"api_key", "balance", "ttl_seconds", "early_cancel_seconds", "error_style", "v2", "end_time",
                   "auto_sms_after", "banned_until"}  # fmt: skip
        with self.lock:
            for name, value in knobs.items():
                if name not in allowed:
                    raise ValueError(f"unknown knob {name!r}")
                setattr(self, name, Decimal(str(value)) if name == "balance" else value)

    def set_stock(self, service: str, country: str, count: int, cost: str | None = None) -> None:
        with self.lock:
            key = (service, str(country))
            if cost is not None or key not in self.prices:
                self.prices[key] = Decimal(cost or "1.00")
            self.stock[key] = count

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def deliver_sms(self, activation: int | str, code: str, text: str | None = None) -> None:
        """An SMS with ``code`` arrives for a waiting activation."""
        with self.lock:
            a = self.activations[int(activation)]
            if a.state not in (*WAITING, "retry"):
                raise ValueError(f"activation {activation} is {a.state}, not waiting for an SMS")
            a.state, a.code, a.text = "code", code, text or f"Your code is {code}"

    def resend(self, activation: int | str) -> None:
        with self.lock:
            self.activations[int(activation)].state = "resend"

    def expire(self, activation: int | str) -> None:
        with self.lock:
            self._expire(self.activations[int(activation)], force=True)

    def snapshot(self) -> dict[str, Any]:
        return {
            **super().snapshot(),
            "balance": str(self.balance),
            "activations": {str(i): a.state for i, a in self.activations.items()},
            "stock": {f"{s}_{c}": n for (s, c), n in self.stock.items()},
        }

    # -- protocol -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        if not request.path.endswith("handler_api.php"):
            return Answer(404, b"<html><body>404 Not Found</body></html>", "text/html")
        if request.params.get("api_key") != self.api_key:
            return self._error("BAD_KEY")
        handler = getattr(self, f"_action_{request.params.get('action', '')}", None)
        if handler is None:
            return self._error("BAD_ACTION")
        with self.lock:
            result: Answer = handler(request.params)
            return result

    def _error(self, token: str, detail: str = "") -> Answer:
        text = f"{token}:{detail}" if detail else token
        if self.error_style == "json" and token != "NO_NUMBERS":
            return Answer.json({"title": token, "details": detail or token}, JSON_ERROR_STATUS.get(token, 400))
        return Answer.text(text)

    def _action_getBalance(self, params: dict[str, str]) -> Answer:
        return Answer.text(f"ACCESS_BALANCE:{self.number(f'{self.balance:.2f}')}")

    _action_getBalanceAndCashBack = _action_getBalance

    def _buy(self, params: dict[str, str]) -> FakeActivation | Answer:
        key = (params.get("service", ""), params.get("country", "0"))
        if self.banned_until:
            return self._error("BANNED", self.banned_until)
        cost = self.prices.get(key)
        if cost is None:
            return self._error("BAD_SERVICE")
        if params.get("maxPrice") and Decimal(params["maxPrice"]) < cost:
            return self._error("WRONG_MAX_PRICE", str(cost))
        if self.stock.get(key, 0) <= 0:
            return self._error("NO_NUMBERS")
        if self.balance < cost:
            return self._error("NO_BALANCE")
        self.stock[key] -= 1
        self.balance -= cost
        activation_id = self._next_id
        self._next_id += 1
        now = self.clock()
        phone = f"79{secrets.randbelow(10**9):09d}"
        activation = FakeActivation(activation_id, key[0], key[1], phone, cost, now, now + self.ttl_seconds)
        self.activations[activation_id] = activation
        return activation

    def _action_getNumber(self, params: dict[str, str]) -> Answer:
        bought = self._buy(params)
        if isinstance(bought, Answer):
            return bought
        return Answer.text(f"ACCESS_NUMBER:{bought.id}:{bought.phone}")

    def _action_getNumberV2(self, params: dict[str, str]) -> Answer:
        if not self.v2:
            return self._error("BAD_ACTION")
        bought = self._buy(params)
        if isinstance(bought, Answer):
            return bought
        body: dict[str, Any] = {
            "activationId": bought.id,
            "phoneNumber": bought.phone,
            "activationCost": self.number(f"{bought.cost:.2f}"),
            "currency": 840,
            "countryCode": bought.country,
            "canGetAnotherSms": True,
            "activationTime": _stamp(bought.bought_at),
            "activationOperator": "any",
        }
        if self.end_time:
            body["activationEndTime"] = _stamp(bought.ends_at) if self.hostile_mode is None else self.number(0)
        return Answer.json(body)

    def _expire(self, a: FakeActivation, *, force: bool = False) -> None:
        if a.state in WAITING and (force or self.clock() >= a.ends_at):
            a.state = "expired"
            self.balance += a.cost
            self.stock[(a.service, a.country)] = self.stock.get((a.service, a.country), 0) + 1

    def _activation(self, params: dict[str, str]) -> FakeActivation | None:
        raw = params.get("id", "")
        return self.activations.get(int(raw)) if raw.isdigit() else None

    def _action_getStatus(self, params: dict[str, str]) -> Answer:
        a = self._activation(params)
        if a is None:
            return self._error("NO_ACTIVATION")
        self._expire(a)
        if a.state in WAITING and self.auto_sms_after is not None and self.clock() - a.bought_at >= self.auto_sms_after:
            a.state, a.code = "code", f"{secrets.randbelow(10**6):06d}"
        answers = {"wait": "STATUS_WAIT_CODE", "ready": "STATUS_WAIT_CODE", "resend": "STATUS_WAIT_RESEND",
                   "code": f"STATUS_OK:{a.code}", "finished": f"STATUS_OK:{a.code}",
                   "retry": f"STATUS_WAIT_RETRY:{a.previous_code}", "cancelled": "STATUS_CANCEL",
                   "expired": "STATUS_CANCEL"}  # fmt: skip
        return Answer.text(answers[a.state])

    def _action_setStatus(self, params: dict[str, str]) -> Answer:
        a = self._activation(params)
        if a is None:
            return self._error("NO_ACTIVATION")
        self._expire(a)
        status = params.get("status", "")
        if status == "1" and a.state == "wait":
            a.state = "ready"
            return Answer.text("ACCESS_READY")
        if status == "3" and a.state == "code":
            a.state, a.previous_code, a.code = "retry", a.code, None
            return Answer.text("ACCESS_RETRY_GET")
        if status == "6" and a.state in ("code", "retry", "finished"):
            a.state = "finished"
            return Answer.text("ACCESS_ACTIVATION")
        if status in ("8", "-1"):
            if a.state in ("cancelled", "expired"):
                return Answer.text("ACCESS_CANCEL")
            if a.state in WAITING:
                if self.clock() - a.bought_at < self.early_cancel_seconds:
                    return self._error("EARLY_CANCEL_DENIED")
                a.state = "cancelled"
                self.balance += a.cost
                self.stock[(a.service, a.country)] = self.stock.get((a.service, a.country), 0) + 1
                return Answer.text("ACCESS_CANCEL")
        return self._error("BAD_STATUS")

    def _action_getPrices(self, params: dict[str, str]) -> Answer:
        result: dict[str, dict[str, Any]] = {}
        for (service, country), cost in self.prices.items():
            if params.get("service") not in (None, "", service) or params.get("country") not in (None, "", country):
                continue
            count = self.stock.get((service, country), 0)
            result.setdefault(country, {})[service] = {
                "cost": self.number(float(cost)),
                "count": self.number(count),
                "physicalCount": count,
            }
        return Answer.json(result)

    def _action_getNumbersStatus(self, params: dict[str, str]) -> Answer:
        country = params.get("country", "0")
        return Answer.json({f"{s}_0": n for (s, c), n in self.stock.items() if c == country})

    def _action_getCountries(self, params: dict[str, str]) -> Answer:
        return Answer.json(
            {
                cid: {"id": int(cid), "rus": rus, "eng": eng, "chn": eng, "visible": 1, "retry": 1, "multiService": 1}
                for cid, (eng, rus) in DEFAULT_COUNTRIES.items()
            }
        )
