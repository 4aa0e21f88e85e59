"""Which provider object fulfils an order, built from the ``providers`` table and cached per process.

Every service is fulfilled through a provider row; ``provider_id`` None means no provider was mapped, and
asking for it raises a non-retryable ``NO_PROVIDER`` :class:`ProviderError`. Rows of kind ``simulator``
resolve to the process's built-in simulators (one SMM, one number provider, kept for the process's life:
the number simulator holds its pools). Adapters for real upstream protocols are built by the factory of
their kind (``providers/kinds.py``, a literal map); they hold no state, so their objects are rebuilt from the row every
``REFRESH_SECONDS``: a new URL or key (``providers update``) reaches every API and worker process within
that time. A disabled provider still resolves: disabling stops new orders (``providers.sale``), while the
orders already placed with it are submitted and followed to the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from time import monotonic
from typing import Final, Generic, TypeVar

import msgspec
from cachetools import TLRUCache

from flashpanel.db.runner import Conn
from flashpanel.db.typed import one_as
from flashpanel.errors import NotFound
from flashpanel.providers.base import NumberProvider, ProviderError, SmmProvider
from flashpanel.providers.kinds import NUMBER_FACTORIES, SMM_FACTORIES, UpstreamAccess
from flashpanel.providers.sale import SIMULATOR_KIND
from flashpanel.state import AppState

P = TypeVar("P", SmmProvider, NumberProvider)

# The cache slot of the process's built-in simulators (every simulator row resolves to them).
SIMULATOR: Final = "simulator"


class _ProviderAccess(msgspec.Struct, frozen=True):
    name: str
    kind: str
    url: str | None
    api_key_encrypted: str | None
    currency: str | None


def _provider_row(conn: Conn, *, provider_id: int) -> _ProviderAccess | None:
    """The provider's access, its key still encrypted."""
    return one_as(
        conn,
        _ProviderAccess,
        "SELECT name, kind, url, api_key_encrypted, currency FROM providers WHERE id = ?",
        (provider_id,),
    )


async def _load(state: AppState, provider_id: int) -> UpstreamAccess:
    row = await state.db.read(_provider_row, provider_id=provider_id)
    if row is None:
        raise NotFound(f"Provider {provider_id} not found")
    token = row.api_key_encrypted
    return UpstreamAccess(
        name=row.name,
        kind=row.kind,
        url=row.url or "",
        api_key=state.secrets.decrypt(token) if token else "",
        currency=row.currency or "",
    )


def _no_provider() -> ProviderError:
    return ProviderError("no provider is mapped to this service", retryable=False, token="NO_PROVIDER")


def _factory(factories: Mapping[str, Callable[[UpstreamAccess], P]], access: UpstreamAccess, line: str) -> P:
    """The adapter of the row's kind for this line, built; a row of another line's kind is refused."""
    factory = factories.get(access.kind)
    if factory is None:
        raise ProviderError(
            f"provider {access.name!r} ({access.kind}) cannot fulfil {line} orders", retryable=False, token="BAD_KIND"
        )
    return factory(access)


REFRESH_SECONDS = 30.0
MAX_PROVIDERS = 1024  # provider objects kept per line; far more than an operator configures


def _expiry(_key: int | str, entry: tuple[object, bool], at: float) -> float:
    """When a cached provider object is built again from its row: never for installed ones and the
    simulators (the number simulator holds its pools), else after ``REFRESH_SECONDS``."""
    return math.inf if entry[1] else at + REFRESH_SECONDS


class Shelf(Generic[P]):
    """One line's provider objects, by provider id (or :data:`SIMULATOR`), each kept until it expires."""

    def __init__(self) -> None:
        # The timer reads this module's clock at each call, so a test can move it.
        self._entries: TLRUCache[int | str, tuple[P, bool]] = TLRUCache(
            maxsize=MAX_PROVIDERS, ttu=_expiry, timer=lambda: monotonic()
        )

    def get(self, key: int | str) -> P | None:
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def keep(self, key: int | str, provider: P, *, forever: bool) -> None:
        self._entries[key] = (provider, forever)

    def clear(self) -> None:
        self._entries.clear()


@dataclass
class ProviderCache:
    """The provider objects of this process (``AppState.providers``)."""

    smm: Shelf[SmmProvider] = field(default_factory=Shelf)
    numbers: Shelf[NumberProvider] = field(default_factory=Shelf)


def install_smm_provider(state: AppState, provider_id: int | str, provider: SmmProvider) -> None:
    """Use ``provider`` for ``provider_id`` (or, with :data:`SIMULATOR`, as the built-in SMM simulator)
    in this process from now on (tests, embedding)."""
    state.providers.smm.keep(provider_id, provider, forever=True)


def install_number_provider(state: AppState, provider_id: int | str, provider: NumberProvider) -> None:
    """Use ``provider`` for ``provider_id`` (or, with :data:`SIMULATOR`, as the built-in number
    simulator) in this process from now on (tests, embedding)."""
    state.providers.numbers.keep(provider_id, provider, forever=True)


def _smm_simulator(state: AppState) -> SmmProvider:
    provider = state.providers.smm.get(SIMULATOR)
    if provider is None:
        from flashpanel.providers.simulator_smm import SimulatedSmmProvider

        provider = SimulatedSmmProvider(state.settings)
        state.providers.smm.keep(SIMULATOR, provider, forever=True)
    return provider


def _number_simulator(state: AppState) -> NumberProvider:
    # One per process: its number pools are shared by every service mapped to the simulator.
    provider = state.providers.numbers.get(SIMULATOR)
    if provider is None:
        from flashpanel.providers.simulator_otp import SimulatedNumberProvider

        provider = SimulatedNumberProvider(state.settings)
        state.providers.numbers.keep(SIMULATOR, provider, forever=True)
    return provider


async def smm_provider(state: AppState, provider_id: int | None) -> SmmProvider:
    if provider_id is None:
        raise _no_provider()
    provider = state.providers.smm.get(provider_id)
    if provider is None:
        access = await _load(state, provider_id)
        simulator = access.kind == SIMULATOR_KIND
        provider = _smm_simulator(state) if simulator else _factory(SMM_FACTORIES, access, "SMM")
        state.providers.smm.keep(provider_id, provider, forever=simulator)
    return provider


async def number_provider(state: AppState, provider_id: int | None) -> NumberProvider:
    if provider_id is None:
        raise _no_provider()
    provider = state.providers.numbers.get(provider_id)
    if provider is None:
        access = await _load(state, provider_id)
        simulator = access.kind == SIMULATOR_KIND
        provider = _number_simulator(state) if simulator else _factory(NUMBER_FACTORIES, access, "OTP")
        state.providers.numbers.keep(provider_id, provider, forever=simulator)
    return provider


def forget(state: AppState) -> None:
    """Drop cached provider objects (after providers were added, changed or disabled)."""
    state.providers.smm.clear()
    state.providers.numbers.clear()
