"""The PostgreSQL anchors: what a hand-written app on asyncpg serves, the ceiling flashpanel's own
PostgreSQL paths are measured against (``bench/run.py --postgres``, ratio "to anchor").

Starlette on uvicorn like the ceiling, an asyncpg pool per process, on the bench's database (its URL in
``BENCH_DATABASE_URL``), with the same request shapes as flashpanel's API:

- ``GET /api/v1/balance?key=K``: one prepared one-row lookup by key digest.
- ``POST /api/v1/smm/order?key=K``: the whole order — key check, service on sale, conditional debit,
  the order row, its charge ledger row — as **one** data-modifying CTE (one round trip, its own
  transaction). Same rows and amounts as flashpanel writes, so the bench's data checks cover it too.

No rate limits, no access log, no metrics: the least a correct app on this driver must do.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 8
BALANCE_SQL = "SELECT balance_cents FROM customers WHERE api_key_digest = $1 AND active"
# Half-up rounding of rate * quantity / 1000 cents, as flashpanel.wallet.money.charge_per_thousand.
ORDER_SQL = """
WITH customer AS (
    SELECT id FROM customers WHERE api_key_digest = $1 AND active
), service AS (
    SELECT s.id, s.name, s.provider_id, (s.rate_cents * $3::bigint + 500) / 1000 AS charge_cents
    FROM smm_services s JOIN providers p ON p.id = s.provider_id
    WHERE s.active AND p.active AND s.id = $2 AND $3 BETWEEN s.min_quantity AND s.max_quantity
), debit AS (
    UPDATE customers c SET balance_cents = c.balance_cents - service.charge_cents,
                           smm_orders_count = c.smm_orders_count + 1
    FROM customer, service
    WHERE c.id = customer.id AND c.balance_cents >= service.charge_cents AND service.charge_cents > 0
    RETURNING c.id, c.balance_cents, c.smm_orders_count
), placed AS (
    INSERT INTO smm_orders (customer_id, service_id, link, quantity, charge_cents, refunded_cents, status, remains,
                            provider_id, attempts, next_check_at, created_at, updated_at, customer_seq)
    SELECT debit.id, service.id, $4, $3, service.charge_cents, 0, 'pending', $3, service.provider_id, 0, $5, $5, $5,
           debit.smm_orders_count
    FROM debit, service
    RETURNING id, customer_id, charge_cents
), charged AS (
    INSERT INTO ledger_entries (customer_id, amount_cents, balance_after_cents, kind, order_kind, order_id,
                                created_at)
    SELECT placed.customer_id, -placed.charge_cents, debit.balance_cents, 'charge', 'smm', placed.id, $5
    FROM placed, debit
)
SELECT placed.id, placed.charge_cents, debit.balance_cents, service.name FROM placed, debit, service
"""


def _digest(request: Request) -> str:
    return hashlib.sha256(request.query_params.get("key", "").encode()).hexdigest()


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def balance(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    cents = await pool.fetchval(BALANCE_SQL, _digest(request))
    if cents is None:
        return _json({"success": False, "error": "Invalid API key"}, 401)
    return _json({"success": True, "data": {"balance": _money(cents), "currency": "NGN"}})


async def order(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    body = json.loads(await request.body())
    row = await pool.fetchrow(
        ORDER_SQL, _digest(request), int(body["service"]), int(body["quantity"]), str(body["link"]), time.time()
    )
    if row is None:  # a bad key, service or quantity, or too little balance: nothing was written
        return _json({"success": False, "error": "Order refused"}, 422)
    data = {
        "order_id": row["id"],
        "service": row["name"],
        "charge": _money(row["charge_cents"]),
        "balance": _money(row["balance_cents"]),
    }
    return _json({"success": True, "data": data})


async def healthz(request: Request) -> Response:
    return _json({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/api/v1/balance", balance),
        Route("/api/v1/smm/order", order, methods=["POST"]),
    ],
    lifespan=lifespan,
)
