"""Background loops of the OTP domain, started by ``flashpanel.worker``. Each pass is one bounded batch.

- ``otp-poll``: asks the providers for the SMS of waiting orders that are due (per-order back-off);
- ``otp-expire``: gives waiting orders past their deadline a last look for their SMS, then expires and
  refunds them and releases the numbers;
- ``otp-interrupted``: fails and refunds purchases left ``pending`` by a crash;
- ``otp-attention``: publishes how many orders wait for the operator (a number not released upstream);
- ``otp-quotes``: once an hour, asks each mapped provider for its price of a number (``otp/quotes.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time

from flashpanel.db.runner import now
from flashpanel.metrics import ORDERS_ATTENTION
from flashpanel.otp import admin, orders, quotes, service
from flashpanel.otp.lifecycle import OtpOrder
from flashpanel.providers import registry
from flashpanel.providers.base import SmsState
from flashpanel.state import AppState
from flashpanel.worker.loop import Loop

log = logging.getLogger("flashpanel.otp.worker")

POLL_BATCH = 50
EXPIRE_BATCH = 100
POLL_TIMEOUT = 10.0
QUOTES_INTERVAL_SECONDS = 3600.0


async def _poll_one(state: AppState, order: OtpOrder) -> int:
    try:
        provider = await registry.number_provider(state, order.provider_id)
        sms: SmsState = await asyncio.wait_for(provider.check_sms(order.activation_id), POLL_TIMEOUT)
    except Exception as exc:  # retried at the order's next check time
        log.info("sms poll of otp order %s failed: %r", order.id, exc)
        return 0
    if sms.state == "waiting":
        return 0
    after = await service.apply_sms(state, order, sms)
    return int(after.status != "waiting")


async def poll_sms(state: AppState) -> int:
    """One batch of SMS polls; returns how many orders changed status."""
    due = await state.db.write(orders.claim_due_polls, at=now(), limit=POLL_BATCH)
    if not due:
        return 0
    results = await asyncio.gather(*(_poll_one(state, order) for order in due))
    return sum(results)


async def expire_overdue(state: AppState) -> int:
    """One batch of overdue orders, each given a last look for its SMS and otherwise expired and
    refunded (``service.expire_after_last_look``); returns how many expired."""
    due = await state.db.read(orders.overdue, at=now(), limit=EXPIRE_BATCH)
    if not due:
        return 0
    after = await asyncio.gather(*(service.expire_after_last_look(state, order) for order in due))
    expired = sum(1 for order in after if order.status == "expired")
    completed = sum(1 for order in after if order.status == "completed")
    if expired or completed:
        log.info("otp orders past their deadline: %d expired and refunded, %d got their SMS", expired, completed)
    return expired


async def resolve_interrupted(state: AppState) -> int:
    """Fail and refund purchases that stayed pending past the grace period; returns how many."""
    resolved = await state.db.write(orders.resolve_interrupted, at=now(), limit=EXPIRE_BATCH)
    if resolved:
        log.warning("refunded %d otp purchases interrupted before the provider answered", resolved)
    return resolved


async def count_attention(state: AppState) -> int:
    """Publish how many orders wait for the operator (``flashpanel_orders_attention{line="otp"}``)."""
    ORDERS_ATTENTION.labels("otp").set(await state.db.read(admin.attention_count))
    return 0


async def refresh_quotes(state: AppState) -> int:
    """Ask the providers for their prices when the hour has come (at once when the worker starts)."""
    clock = time.monotonic()
    if clock < state.otp_quotes_next_at:
        return 0
    state.otp_quotes_next_at = clock + QUOTES_INTERVAL_SECONDS
    checked = await quotes.check_quotes(state)
    log.info("otp prices checked: %d answered, %d not", checked.asked, len(checked.failed))
    return 0  # periodic, like otp-attention: nothing waits behind it, so the loop sleeps its interval


ATTENTION = Loop("otp-attention", count_attention)
LOOPS: list[Loop] = [
    Loop("otp-poll", poll_sms),
    Loop("otp-expire", expire_overdue),
    Loop("otp-interrupted", resolve_interrupted),
    ATTENTION,
    Loop("otp-quotes", refresh_quotes),
]
