"""The rules of an OTP order: purchase, check, cancel, history.

Each use case is a short sequence of units of work (``otp/orders.py``) and provider calls made
*between* them, never inside a transaction: a slow upstream must not hold a database connection.

Purchase (crash-safe):
  1. one unit: authenticate, check the pair, debit the price, store the order ``pending``;
  2. ask the mapped providers for a number, in priority order, moving on when one has none;
  3. one unit: ``pending`` → ``waiting`` with the number, or ``pending`` → ``failed`` with the refund
   (retried through a dropped database connection; both are safe to repeat).
A crash between 1 and 3 leaves a ``pending`` order, which the worker fails and refunds after
``orders.PENDING_GRACE_SECONDS``: money is never lost, only delayed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from flashpanel.db.retry import retrying
from flashpanel.db.runner import Conn, now
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.otp import orders
from flashpanel.otp.availability import cache_of
from flashpanel.otp.catalog import Source
from flashpanel.otp.lifecycle import ListedOrder, OtpOrder
from flashpanel.otp.phone import e164
from flashpanel.providers import registry
from flashpanel.providers.base import Activation, NoNumbersAvailable, ProviderError, SmsState
from flashpanel.state import AppState
from flashpanel.wallet.money import format_cents

log = logging.getLogger("flashpanel.otp")

P = ParamSpec("P")
T = TypeVar("T")

# Upper bounds on one provider call. A purchase may try several providers; the sum stays far below
# orders.PENDING_GRACE_SECONDS.
BUY_TIMEOUT = 20.0
CHECK_TIMEOUT = 2.0  # /check asks the provider itself only this long, then answers "waiting"
RELEASE_TIMEOUT = 10.0
# Upstream answers to a cancel that mean the activation is already over there: nothing to release.
ALREADY_GONE = frozenset({"NO_ACTIVATION"})


class NumberProviderUnavailable(FlashpanelError):
    """Every provider of the pair failed with something other than "no numbers" (down, timing out,
    out of funds upstream). Nothing was charged; the customer may retry."""

    status_code = 503
    message = "Number provider unavailable, try again later"


class Units(Protocol):
    """Runs units of work for an API call (``api.context.ApiCall``)."""

    state: AppState

    async def read(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...

    async def write(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


# -- purchase ----------------------------------------------------------------------------------------
async def purchase(units: Units, *, key_digest: str, country_id: int, service_id: int) -> dict[str, Any]:
    """Buy a number for the caller. Returns the spec's purchase data; raises 422 (unknown pair, no
    numbers), 400 (balance), 503 (providers failing). On every failure the customer's balance ends as
    it began."""
    state = units.state
    opened = await units.write(
        orders.open_order,
        key_digest=key_digest,
        country_id=country_id,
        service_id=service_id,
        simulators=state.settings.simulators,
    )
    try:
        source, activation = await _buy(state, opened.order_id, opened.sources)
    except Exception as exc:
        error = str(exc) or exc.__class__.__name__
        await retrying(
            lambda: units.write(orders.fail, order_id=opened.order_id, error=error),
            what=f"failing otp order {opened.order_id}",
        )
        if isinstance(exc, NoNumbersAvailable):
            raise RuleViolation("No numbers available") from None
        raise NumberProviderUnavailable() from None
    at = now()
    expires_at = activation.expires_at or at + state.settings.otp_ttl_seconds
    # The provider has sold the number: storing it is retried through a dropped database connection
    # (``activate`` recognises its own earlier commit), so the customer gets it instead of a 500.
    activated = await retrying(
        lambda: units.write(
            orders.activate,
            order_id=opened.order_id,
            provider_id=source.provider_id,
            activation=activation,
            expires_at=expires_at,
            first_check=at + orders.backoff_seconds(0),
        ),
        what=f"storing otp order {opened.order_id}'s number",
    )
    if activated is None:  # resolved as interrupted meanwhile (and refunded): give the number back
        release_soon(state, source.provider_id, activation.activation_id, order_id=opened.order_id)
        raise NumberProviderUnavailable("The purchase took too long and was refunded; try again")
    cache_of(state).forget_provider(source.provider_id)
    return {
        "order_id": opened.order_id,
        "phone_number": activation.phone_number,
        "request_id": opened.request_id,
        "service": opened.service_name,
        "country": opened.country_name,
        "charge": format_cents(opened.charge_cents),
        "status": "active",  # the spec's word for a number waiting for its SMS, in this response only
        "balance": format_cents(activated.balance_cents),
        "currency": state.settings.currency,
    }


async def _buy(state: AppState, order_id: int, sources: list[Source]) -> tuple[Source, Activation]:
    """The first number any source sells, in order, its phone number in E.164. Raises
    :class:`NoNumbersAvailable` when every source had none, else the last failure that was not "no
    numbers". A number that cannot be read as E.164 counts as that source's failure (and is released)."""
    failures: list[Exception] = []
    for source in sources:
        try:
            provider = await registry.number_provider(state, source.provider_id)
            activation = await asyncio.wait_for(
                provider.buy_number(upstream_country=source.upstream_country, upstream_service=source.upstream_service),
                timeout=BUY_TIMEOUT,
            )
            phone = e164(activation.phone_number)
            if phone is None:
                release_soon(state, source.provider_id, activation.activation_id, order_id=order_id)
                raise ProviderError(
                    f"unreadable phone number from the provider: {activation.phone_number[:40]!r}",
                    retryable=True,
                    token="MALFORMED",
                )
            return source, replace(activation, phone_number=phone)
        except NoNumbersAvailable as exc:
            failures.append(exc)
        except Exception as exc:  # timeouts, upstream errors, a broken adapter: try the next source
            log.warning("provider %s failed to sell a number: %r", source.provider_id, exc)
            failures.append(exc if isinstance(exc, ProviderError) else ProviderError(repr(exc), retryable=True))
    others = [exc for exc in failures if not isinstance(exc, NoNumbersAvailable)]
    if others:
        raise others[-1]
    raise NoNumbersAvailable()


# -- check -------------------------------------------------------------------------------------------
def check_view(order: OtpOrder) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "phone_number": order.phone_number,
        "status": order.status,
        "sms_code": order.sms_code,
    }


async def check(units: Units, *, key_digest: str, request_id: str) -> dict[str, Any]:
    """The order's status; a waiting order past its deadline expires (and is refunded) at once, and one
    still in time is checked with its provider for at most ``CHECK_TIMEOUT``."""
    order = await units.read(orders.order_of_customer, key_digest=key_digest, request_id=request_id)
    return check_view(await _as_it_stands(units.state, order))


async def _as_it_stands(state: AppState, order: OtpOrder) -> OtpOrder:
    """A waiting order brought up to date: past its deadline it expires (after a last look), otherwise
    a code that already reached the provider is delivered. Any other order is returned as it is."""
    if order.status != "waiting":
        return order
    if now() >= order.deadline:
        return await expire_after_last_look(state, order)
    return await _settle_sms(state, order)


async def _settle_sms(state: AppState, order: OtpOrder) -> OtpOrder:
    """Ask the provider about a waiting order's SMS for at most ``CHECK_TIMEOUT`` and apply the answer;
    on a slow or failing provider the order is returned unchanged (the worker keeps polling)."""
    try:
        provider = await registry.number_provider(state, order.provider_id)
        sms = await asyncio.wait_for(provider.check_sms(order.activation_id), CHECK_TIMEOUT)
    except Exception as exc:
        log.info("sms check of otp order %s skipped: %r", order.id, exc)
        return order
    return await apply_sms(state, order, sms)


async def apply_sms(state: AppState, order: OtpOrder, sms: SmsState) -> OtpOrder:
    """Apply what the provider says about a waiting order's SMS; returns the order as it now is."""
    # An activation the upstream reports cancelled is left to expire at its deadline (and be refunded
    # then): acting on it at once would race with a customer's cancel in flight, which cancels upstream
    # before it changes the order, and turn that cancel into an expiry.
    if sms.state != "received" or not sms.code:
        return order
    done = await state.db.write(orders.complete, order_id=order.id, sms_code=sms.code[:32])
    if done is None:
        return await state.db.read(orders.order_by_id, order_id=order.id)
    finish_soon(state, done.order.provider_id, done.order.upstream_activation_id)
    return done.order


async def expire_after_last_look(state: AppState, order: OtpOrder) -> OtpOrder:
    """Expire (and refund) a waiting order past its deadline, unless its provider says the SMS came.

    Polls back off to 30 s, so a code can reach the upstream after the last poll and before the
    deadline. Expiring it blind would refund the customer for a number the upstream has already
    billed the operator for, and the customer would never see the code. So the provider gets one
    last look (at most ``CHECK_TIMEOUT``). If it is down or slow, the order expires as before."""
    order = await _settle_sms(state, order)
    if order.status != "waiting":
        return order
    return await _expire_now(state, order)


async def _expire_now(state: AppState, order: OtpOrder) -> OtpOrder:
    done = await state.db.write(orders.expire, order_id=order.id)
    if done is None:  # something else won the race: report what it did
        return await state.db.read(orders.order_by_id, order_id=order.id)
    release_soon(state, done.order.provider_id, done.order.upstream_activation_id, order_id=order.id)
    return done.order


# -- cancel ------------------------------------------------------------------------------------------
async def cancel(units: Units, *, key_digest: str, request_id: str) -> dict[str, Any]:
    """Cancel a waiting order and refund it in full. 422 for any other status (nothing refunded), and
    when the upstream refuses an early cancel (the order stays waiting; the customer may retry)."""
    state = units.state
    found = await units.read(orders.order_of_customer, key_digest=key_digest, request_id=request_id)
    order = await _as_it_stands(state, found)  # a code that already arrived is delivered, not refunded
    if order.status != "waiting":
        raise RuleViolation(_not_cancellable(order.status))
    failure = None
    try:
        provider = await registry.number_provider(state, order.provider_id)
        await asyncio.wait_for(provider.cancel(order.activation_id), RELEASE_TIMEOUT)
    except ProviderError as exc:
        if exc.token == "EARLY_CANCEL_DENIED":
            raise RuleViolation("The provider does not allow cancelling this number yet; try again shortly") from None
        failure = exc.message
    except Exception as exc:  # the upstream is down: the customer's cancel still stands
        failure = repr(exc)
    note = None
    if failure:
        # The customer is refunded all the same; the number may still be billed upstream, so the operator
        # is asked to release it by hand (``flashpanel otp orders list --attention``).
        log.warning("otp order %s: upstream cancel failed: %s", order.id, failure)
        note = orders.unreleased_note(activation_id=order.activation_id, error=failure)
    error = f"upstream cancel failed: {failure}"[:500] if failure else None
    done = await units.write(orders.cancel, order_id=order.id, error=error, attention=note)
    if done is None:
        current = await state.db.read(orders.order_by_id, order_id=order.id)
        raise RuleViolation(_not_cancellable(current.status))
    cache_of(state).forget_provider(order.provider_id)
    assert done.balance_cents is not None
    return {
        "order_id": order.id,
        "refund_amount": format_cents(done.refunded_cents),
        "balance": format_cents(done.balance_cents),
    }


def _not_cancellable(status: str) -> str:
    if status == "completed":
        return "Order already completed (SMS received); it cannot be cancelled"
    if status in ("cancelled", "expired", "failed"):
        return f"Order already {status} and refunded; it cannot be cancelled again"
    return f"Order is {status}; only a waiting order can be cancelled"


# -- history -----------------------------------------------------------------------------------------
def history_item(order: ListedOrder) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "request_id": order.request_id,
        "phone_number": order.phone_number,
        "service": order.service_name,
        "country": order.country_name,
        "charge": format_cents(int(order.charge_cents)),
        "status": order.status,
        "sms_code": order.sms_code,
        "created_at": iso(float(order.created_at)),
    }


# -- talking to providers after the fact -------------------------------------------------------------
def _in_background(
    state: AppState, name: str, provider_id: int | None, activation_id: str | None, order_id: int | None = None
) -> None:
    if activation_id is None:
        return

    async def run() -> None:
        try:
            provider = await registry.number_provider(state, provider_id)
            await asyncio.wait_for(getattr(provider, name)(activation_id), RELEASE_TIMEOUT)
        except Exception as exc:
            log.info("%s of activation %s failed: %r", name, activation_id, exc)
            if order_id is not None and not _already_gone(exc):
                await _flag_unreleased(state, order_id, activation_id, exc)

    state.background.start(run())


def _already_gone(exc: Exception) -> bool:
    """The upstream no longer has the activation (it ended it itself): nothing is left to release."""
    return isinstance(exc, ProviderError) and exc.token in ALREADY_GONE


async def _flag_unreleased(state: AppState, order_id: int, activation_id: str, exc: Exception) -> None:
    error = exc.message if isinstance(exc, ProviderError) else repr(exc)
    try:
        await state.db.write(orders.flag_unreleased, order_id=order_id, activation_id=activation_id, error=error)
    except Exception:  # the log line is then all the operator gets
        log.exception("otp order %s: recording that activation %s was not released failed", order_id, activation_id)
    else:
        log.warning("otp order %s: activation %s was not released upstream: %s", order_id, activation_id, error)


def release_soon(state: AppState, provider_id: int | None, activation_id: str | None, *, order_id: int) -> None:
    """Tell the provider, without waiting, that the number is no longer wanted (an expired, interrupted
    or refused order). If it cannot be told, the order is flagged for the operator: the number may still
    be billed upstream."""
    _in_background(state, "cancel", provider_id, activation_id, order_id)


def finish_soon(state: AppState, provider_id: int | None, activation_id: str | None) -> None:
    """Tell the provider, without waiting, that the code was delivered."""
    _in_background(state, "finish", provider_id, activation_id)


async def drain_background(state: AppState) -> None:
    """Wait for the best-effort provider calls started so far (tests, shutdown)."""
    await state.background.drain()
