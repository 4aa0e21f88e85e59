"""The built-in number provider: fictional numbers, a per-(country, service) pool, a code after a delay.

It is the demo's number provider (a provider row of kind ``simulator``, selling only while
``FLASHPANEL_SIMULATORS`` is on), and it behaves like a real upstream where it matters to flashpanel:
numbers run out, a cancel gives the number back, and the SMS arrives later. State lives in memory, one
simulator per process (see ``providers.registry``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from flashpanel.config import Settings
from flashpanel.providers.base import Activation, NoNumbersAvailable, ProviderError, Quote, SmsState

# Numbers +1 202 555 0100 .. 0199: the North American 555-01xx range reserved for fiction.
POOL_NUMBERS = tuple(f"+1202555{n:04d}" for n in range(100, 200))


@dataclass
class _Activation:
    pool_key: tuple[str, str]
    phone_number: str
    bought_at: float
    code: str
    state: str = "waiting"  # waiting | finished | cancelled


class SimulatedNumberProvider:
    """Implements :class:`flashpanel.providers.base.NumberProvider`.

    ``clock`` (epoch seconds) is injectable so tests can make the SMS arrive without sleeping."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.sms_delay = settings.simulator_sms_delay_seconds
        self.clock = clock
        self._free: dict[tuple[str, str], list[str]] = {}
        self._activations: dict[str, _Activation] = {}

    def _pool(self, key: tuple[str, str]) -> list[str]:
        pool = self._free.get(key)
        if pool is None:
            pool = self._free[key] = list(POOL_NUMBERS)
        return pool

    async def buy_number(self, *, upstream_country: str, upstream_service: str) -> Activation:
        key = (upstream_country, upstream_service)
        pool = self._pool(key)
        if not pool:
            raise NoNumbersAvailable()
        phone = pool.pop(secrets.randbelow(len(pool)))
        activation_id = "sim-" + secrets.token_hex(8)
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._activations[activation_id] = _Activation(key, phone, self.clock(), code)
        return Activation(activation_id=activation_id, phone_number=phone)

    def _get(self, activation_id: str) -> _Activation:
        activation = self._activations.get(activation_id)
        if activation is None:
            raise ProviderError("No such activation", retryable=False, token="NO_ACTIVATION")
        return activation

    async def check_sms(self, activation_id: str) -> SmsState:
        activation = self._get(activation_id)
        if activation.state == "cancelled":
            return SmsState("cancelled")
        if self.clock() - activation.bought_at >= self.sms_delay:
            return SmsState("received", activation.code)
        return SmsState("waiting")

    async def cancel(self, activation_id: str) -> None:
        activation = self._get(activation_id)
        if activation.state == "waiting":
            activation.state = "cancelled"
            self._pool(activation.pool_key).append(activation.phone_number)

    async def finish(self, activation_id: str) -> None:
        activation = self._get(activation_id)
        if activation.state == "waiting":
            activation.state = "finished"  # the number was used: it does not go back to the pool

    async def available(self, *, upstream_country: str, upstream_service: str) -> int:
        return len(self._pool((upstream_country, upstream_service)))

    async def quote(self, *, upstream_country: str, upstream_service: str) -> Quote:
        # Its numbers are fictional and cost nothing upstream: no cost, so no margin is claimed for them.
        return Quote(count=await self.available(upstream_country=upstream_country, upstream_service=upstream_service))

    def set_stock(self, *, upstream_country: str, upstream_service: str, count: int) -> None:
        """Shrink (or refill) a pool, for demos and tests of running out."""
        self._free[(upstream_country, upstream_service)] = list(POOL_NUMBERS[: max(0, min(count, len(POOL_NUMBERS)))])
