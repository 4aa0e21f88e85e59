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
from dataclasses import replace
from time import monotonic
from typing import Any, Final, TypeVar

from flashpanel.db.runner import Conn
from flashpanel.errors import NotFound
from flashpanel.providers.base import NumberProvider, ProviderError, SmmProvider
from flashpanel.providers.kinds import NUMBER_FACTORIES, SMM_FACTORIES, UpstreamAccess
from flashpanel.providers.sale import SIMULATOR_KIND
from flashpanel.state import AppState

P = TypeVar("P", SmmProvider, NumberProvider)

# The cache slot of the process's built-in simulators (every simulator row resolves to them).
SIMULATOR: Final = "simulator"


def _provider_row(conn: Conn, *, provider_id: int) -> tuple[UpstreamAccess, str | None] | None:
    """The provider's access, its key still encrypted (the token, or None), read as typed values."""
    row = conn.one("SELECT name, kind, url, api_key_encrypted, currency FROM providers WHERE id = ?", (provider_id,))
    if row is None:
        return None
    access = UpstreamAccess(
        name=row["name"], kind=row["kind"], url=row["url"] or "", api_key="", currency=row["currency"] or ""
    )
    return access, row["api_key_encrypted"]


async def _load(state: AppState, provider_id: int) -> UpstreamAccess:
    found = await state.db.read(_provider_row, provider_id=provider_id)
    if found is None:
        raise NotFound(f"Provider {provider_id} not found")
    access, token = found
    return replace(access, api_key=state.secrets.decrypt(token) if token else "")


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
_FOREVER = math.inf

# provider id (or SIMULATOR) -> (provider object, monotonic time after which its row is read again)
Cache = dict[int | str, tuple[Any, float]]


def _cached(state: AppState, name: str, key: int | str) -> Any:
    cache: Cache = state.extras.setdefault(name, {})
    entry = cache.get(key)
    return entry[0] if entry is not None and monotonic() < entry[1] else None


def _keep(state: AppState, name: str, key: int | str, provider: Any, *, forever: bool) -> None:
    cache: Cache = state.extras.setdefault(name, {})
    cache[key] = (provider, _FOREVER if forever else monotonic() + REFRESH_SECONDS)


def install_smm_provider(state: AppState, provider_id: int | str, provider: SmmProvider) -> None:
    """Use ``provider`` for ``provider_id`` (or, with :data:`SIMULATOR`, as the built-in SMM simulator)
    in this process from now on (tests, embedding)."""
    _keep(state, "smm_providers", provider_id, provider, forever=True)


def install_number_provider(state: AppState, provider_id: int | str, provider: NumberProvider) -> None:
    """Use ``provider`` for ``provider_id`` (or, with :data:`SIMULATOR`, as the built-in number
    simulator) in this process from now on (tests, embedding)."""
    _keep(state, "number_providers", provider_id, provider, forever=True)


def _smm_simulator(state: AppState) -> SmmProvider:
    provider: SmmProvider | None = _cached(state, "smm_providers", SIMULATOR)
    if provider is None:
        from flashpanel.providers.simulator_smm import SimulatedSmmProvider

        provider = SimulatedSmmProvider(state.settings)
        _keep(state, "smm_providers", SIMULATOR, provider, forever=True)
    return provider


def _number_simulator(state: AppState) -> NumberProvider:
    # One per process: its number pools are shared by every service mapped to the simulator.
    provider: NumberProvider | None = _cached(state, "number_providers", SIMULATOR)
    if provider is None:
        from flashpanel.providers.simulator_otp import SimulatedNumberProvider

        provider = SimulatedNumberProvider(state.settings)
        _keep(state, "number_providers", SIMULATOR, provider, forever=True)
    return provider


async def smm_provider(state: AppState, provider_id: int | None) -> SmmProvider:
    if provider_id is None:
        raise _no_provider()
    provider: SmmProvider | None = _cached(state, "smm_providers", provider_id)
    if provider is None:
        access = await _load(state, provider_id)
        simulator = access.kind == SIMULATOR_KIND
        provider = _smm_simulator(state) if simulator else _factory(SMM_FACTORIES, access, "SMM")
        _keep(state, "smm_providers", provider_id, provider, forever=simulator)
    return provider


async def number_provider(state: AppState, provider_id: int | None) -> NumberProvider:
    if provider_id is None:
        raise _no_provider()
    provider: NumberProvider | None = _cached(state, "number_providers", provider_id)
    if provider is None:
        access = await _load(state, provider_id)
        simulator = access.kind == SIMULATOR_KIND
        provider = _number_simulator(state) if simulator else _factory(NUMBER_FACTORIES, access, "OTP")
        _keep(state, "number_providers", provider_id, provider, forever=simulator)
    return provider


def forget(state: AppState) -> None:
    """Drop cached provider objects (after providers were added, changed or disabled)."""
    state.extras.pop("smm_providers", None)
    state.extras.pop("number_providers", None)
