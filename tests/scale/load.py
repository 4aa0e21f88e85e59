"""The customers' load: virtual clients sending a weighted mix of API calls, round robin over the live API
processes, and recording every acknowledged order and anything a client must never see."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.scale.observed import Observed
from tests.scale.procs import Proc
from tests.scale.seeding import Catalog, Customer

# The load mix: kind -> (weight, domain it needs). Balance checks need nothing but the wallet.
MIX: dict[str, tuple[int, str]] = {
    "balance": (14, "wallet"),
    "smm_order": (24, "smm"),
    "smm_status": (5, "smm"),
    "smm_orders": (2, "smm"),
    "otp_purchase": (16, "otp"),
    "otp_check": (5, "otp"),
    "otp_cancel": (9, "otp"),
    "acc_purchase": (14, "accounts"),
    "acc_order": (3, "accounts"),
    "list": (3, "any"),
    # The SMM API v2 that resellers' bots speak, on the same orders: add, multi-status, cancel.
    "v2_add": (6, "v2"),
    "v2_status": (2, "v2"),
    "v2_cancel": (4, "v2"),
    # Races across processes: one customer's cancel sent to two API processes at once; one customer firing
    # five purchases at once, spread over every API process.
    "otp_double_cancel": (3, "otp"),
    "burst": (2, "any"),
}


def cents(text: str | int | float | None) -> int:
    return int((Decimal(str(text)) * 100).to_integral_value())


class Load:
    def __init__(
        self,
        apis: list[Proc],
        customers: list[Customer],
        catalog: Catalog,
        domains: set[str],
        rng: random.Random,
        observed: Observed,
    ) -> None:
        self.apis = apis
        self.customers = customers
        self.catalog = catalog
        self.rng = rng
        self.obs = observed
        self.kinds = [k for k, (_, d) in MIX.items() if d in domains or d == "wallet" or (d == "any" and domains)]
        self.weights = [MIX[k][0] for k in self.kinds]
        self.clients = {
            p.port: httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{p.port}/api/v1", timeout=15, limits=httpx.Limits(max_connections=64)
            )
            for p in apis
        }
        self._rr = 0

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def _client(self) -> httpx.AsyncClient | None:
        for _ in range(len(self.apis)):
            self._rr = (self._rr + 1) % len(self.apis)
            proc = self.apis[self._rr]
            if proc.up:
                return self.clients[proc.port]
        return None

    async def run(self, duration: float, concurrency: int) -> None:
        end = time.monotonic() + duration
        await asyncio.gather(*(self._user(end) for _ in range(concurrency)))

    async def _user(self, end: float) -> None:
        while time.monotonic() < end:
            kind = self.rng.choices(self.kinds, self.weights)[0]
            customer = self.rng.choice(self.customers)
            client = self._client()
            if client is None:
                await asyncio.sleep(0.05)
                continue
            try:
                outcome = await getattr(self, "_" + kind)(client, customer)
            except httpx.TimeoutException:
                outcome = "timeout"
            except httpx.TransportError:
                outcome = "conn_error"
            if outcome is None:
                continue
            self.obs.requests[(kind, outcome)] += 1

    async def _call(
        self, client: httpx.AsyncClient, method: str, path: str, customer: Customer, kind: str, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        response = await client.request(method, path, headers={"X-API-Key": customer.key}, **kw)
        try:
            body = response.json()
        except ValueError:
            body = {}
        # 503 is a documented answer (every number provider failing); any other 5xx is a server fault.
        if response.status_code >= 500 and response.status_code != 503:
            self.obs.server_errors.append(f"{kind} {method} {path} -> {response.status_code} {response.text[:200]}")
        return str(response.status_code), body

    async def _balance(self, client: httpx.AsyncClient, c: Customer) -> str:
        status, _ = await self._call(client, "GET", "/balance", c, "balance")
        return status

    async def _list(self, client: httpx.AsyncClient, c: Customer) -> str:
        path = self.rng.choice(["/smm/services", "/otp/countries", "/accounts/categories"])
        status, _ = await self._call(client, "GET", path, c, "list")
        return status

    async def _smm_order(self, client: httpx.AsyncClient, c: Customer) -> str:
        svc = self.rng.choice(self.catalog.smm_services)
        quantity = self.rng.randint(svc["min"], min(svc["max"], svc["min"] * 20))
        # A unique link per order, so the fake upstream's record of `add` calls names the order.
        link = f"https://social.example/scale/{c.id}/{uuid.uuid4().hex}"
        status, body = await self._call(
            client,
            "POST",
            "/smm/order",
            c,
            "smm_order",
            json={"service": svc["id"], "link": link, "quantity": quantity},
        )
        if status == "200":
            data = body["data"]
            self.obs.smm_acked[int(data["order_id"])] = (c.id, cents(data["charge"]))
            c.smm_orders.append(int(data["order_id"]))
        return status

    async def _smm_status(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.smm_orders:
            return None
        status, _ = await self._call(
            client, "GET", "/smm/status", c, "smm_status", params={"order": self.rng.choice(c.smm_orders)}
        )
        return status

    async def _smm_orders(self, client: httpx.AsyncClient, c: Customer) -> str:
        status, _ = await self._call(client, "GET", "/smm/orders", c, "smm_orders", params={"limit": 50})
        return status

    async def _otp_purchase(self, client: httpx.AsyncClient, c: Customer) -> str:
        country, service = self.rng.choice(self.catalog.otp_pairs)
        status, body = await self._call(
            client, "POST", "/otp/purchase", c, "otp_purchase", json={"country": country, "service": service}
        )
        if status == "200":
            data = body["data"]
            self.obs.otp_acked[int(data["order_id"])] = (c.id, cents(data["charge"]), str(data["request_id"]))
            c.otp_open.append(str(data["request_id"]))
        return status

    async def _otp_check(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        status, _ = await self._call(
            client, "GET", "/otp/check", c, "otp_check", params={"request_id": self.rng.choice(c.otp_open)}
        )
        return status

    async def _otp_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        request_id = c.otp_open.pop(self.rng.randrange(len(c.otp_open)))
        status, body = await self._call(client, "POST", "/otp/cancel", c, "otp_cancel", json={"request_id": request_id})
        if status == "200":
            if request_id in self.obs.otp_cancel_acked:
                self.obs.anomalies.append(f"otp cancel of {request_id} acknowledged twice")
            self.obs.otp_cancel_acked[request_id] = cents(body["data"]["refund_amount"])
        return status

    async def _acc_purchase(self, client: httpx.AsyncClient, c: Customer) -> str:
        product = self.rng.choice(self.catalog.acc_products)
        quantity = self.rng.randint(product["min"], product["max"])
        status, body = await self._call(
            client,
            "POST",
            "/accounts/purchase",
            c,
            "acc_purchase",
            json={"product": product["id"], "quantity": quantity},
        )
        if status == "200":
            data = body["data"]
            oid = int(data["order_id"])
            self.obs.acc_acked[oid] = (c.id, cents(data["charge"]), int(data["quantity"]))
            for item in data.get("accounts") or []:
                self.obs.delivered[json.dumps(item, sort_keys=True)].append(oid)
            c.acc_orders.append(oid)
        return status

    async def _v2(self, client: httpx.AsyncClient, c: Customer, kind: str, **form: Any) -> tuple[str, Any]:
        response = await client.post(str(client.base_url).replace("/api/v1", "/api/v2"), data={"key": c.key, **form})
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 and response.status_code != 503:
            self.obs.server_errors.append(f"{kind} -> {response.status_code} {response.text[:200]}")
        return str(response.status_code), body

    async def _v2_add(self, client: httpx.AsyncClient, c: Customer) -> str:
        if not self.catalog.smm_cancellable:
            return await self._balance(client, c)
        svc = self.catalog.smm_cancellable[0]
        quantity = self.rng.randint(svc["min"], min(svc["max"], svc["min"] * 20))
        link = f"https://social.example/scale-v2/{c.id}/{uuid.uuid4().hex}"
        status, body = await self._v2(
            client, c, "v2_add", action="add", service=str(svc["id"]), link=link, quantity=str(quantity)
        )
        if isinstance(body, dict) and "order" in body:
            self.obs.smm_acked[int(body["order"])] = (c.id, None)
            c.v2_orders.append(int(body["order"]))
            return f"{status} order"
        return f"{status} error"

    async def _v2_status(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        ids = (c.v2_orders + c.smm_orders)[-20:]
        if not ids:
            return None
        status, body = await self._v2(client, c, "v2_status", action="status", orders=",".join(map(str, ids)))
        return f"{status} {'ok' if isinstance(body, dict) and 'error' not in body else 'error'}"

    async def _v2_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.v2_orders:
            return None
        # Mostly the newest order (likely not yet handed to the provider), sometimes an older one.
        order_id = c.v2_orders[-1] if self.rng.random() < 0.6 else self.rng.choice(c.v2_orders)
        status, body = await self._v2(client, c, "v2_cancel", action="cancel", orders=str(order_id))
        try:
            outcome = body[0]["cancel"]
        except (KeyError, IndexError, TypeError):
            return f"{status} unreadable"
        return f"{status} {'accepted' if outcome == 1 else 'refused'}"

    def _live_clients(self) -> list[httpx.AsyncClient]:
        return [self.clients[p.port] for p in self.apis if p.up]

    async def _otp_double_cancel(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.otp_open:
            return None
        request_id = c.otp_open.pop(self.rng.randrange(len(c.otp_open)))
        clients = self._live_clients()[:2] or [client]
        answers = await asyncio.gather(
            *(
                self._call(x, "POST", "/otp/cancel", c, "otp_double_cancel", json={"request_id": request_id})
                for x in (clients * 2)[:2]
            ),
            return_exceptions=True,
        )
        won = [a for a in answers if not isinstance(a, BaseException) and a[0] == "200"]
        if len(won) > 1:
            self.obs.anomalies.append(f"two concurrent cancels of otp {request_id} both answered 200")
        if won:
            self.obs.otp_cancel_acked[request_id] = cents(won[0][1]["data"]["refund_amount"])
        return "+".join(sorted(a[0] if not isinstance(a, BaseException) else "conn_error" for a in answers))

    async def _burst(self, client: httpx.AsyncClient, c: Customer) -> str:
        """Five purchases at once by one customer, spread over every live API process."""
        kinds = [k for k in ("smm_order", "otp_purchase", "acc_purchase", "v2_add") if k in self.kinds]
        if not kinds:
            return await self._balance(client, c)
        clients = self._live_clients() or [client]
        chosen = [self.rng.choice(kinds) for _ in range(5)]
        answers = await asyncio.gather(
            *(getattr(self, "_" + kind)(clients[i % len(clients)], c) for i, kind in enumerate(chosen)),
            return_exceptions=True,
        )
        for kind, answer in zip(chosen, answers, strict=True):  # counted under their own kind too
            self.obs.requests[(kind, answer if isinstance(answer, str) else "conn_error")] += 1
        return "5 sent"

    async def _acc_order(self, client: httpx.AsyncClient, c: Customer) -> str | None:
        if not c.acc_orders:
            return None
        status, _ = await self._call(
            client, "GET", "/accounts/order", c, "acc_order", params={"order": self.rng.choice(c.acc_orders)}
        )
        return status
