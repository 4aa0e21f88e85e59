"""What runs alongside the customers' load: operator top-ups straight into the ledger, and the probe of the
rate limits every API process shares through Redis."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from decimal import Decimal

import httpx
import psycopg

from tests.scale.observed import Observed
from tests.scale.procs import Proc
from tests.scale.seeding import Customer

RATE_PROBE_LIMIT = 40


async def rate_probe(apis: list[Proc], customer: Customer, obs: Observed) -> None:
    """Redis-shared rate limits: one key's requests spread over every API process at once get exactly the
    configured budget between them, not that budget per process."""
    sent = RATE_PROBE_LIMIT + 20
    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(
            *(
                client.get(
                    f"http://127.0.0.1:{apis[i % len(apis)].port}/api/v1/balance", headers={"X-API-Key": customer.key}
                )
                for i in range(sent)
            )
        )
    statuses = Counter(r.status_code for r in answers)
    obs.rate_probe = f"{sent} concurrent /balance with one key over {len(apis)} API port(s): {dict(statuses)}"
    if statuses[200] != RATE_PROBE_LIMIT or statuses[429] != sent - RATE_PROBE_LIMIT:
        obs.anomalies.append(f"shared rate limit of {RATE_PROBE_LIMIT}/minute not exact: {dict(statuses)}")


async def topups(database_url: str, customers: list[Customer], rng: random.Random, end: float, obs: Observed) -> None:
    """Operator top-ups landing in the ledger while customers spend (as `flashpanel users topup` does)."""
    from flashpanel.customers import service as customers_service
    from flashpanel.db.runner import open_database

    db = open_database(database_url, pool_size=1)
    try:
        while time.monotonic() < end:
            c = rng.choice(customers)
            try:
                await db.write(customers_service.top_up, name=c.name, amount=Decimal("25.55"), note="scale top-up")
                obs.topups += 1
            except psycopg.OperationalError:  # --db-restart: this handle's connection is gone; open another
                obs.topups_failed += 1
                db.close()
                db = open_database(database_url, pool_size=1)
            await asyncio.sleep(0.2)
    finally:
        db.close()
