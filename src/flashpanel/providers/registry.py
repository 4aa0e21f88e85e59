"""Which provider object fulfils an order, built from the ``providers`` table and cached per process.

Every service is fulfilled through a provider row; ``provider_id`` None means no provider was mapped, and
asking for it raises a non-retryable ``NO_PROVIDER`` :class:`ProviderError`. Rows of kind ``simulator``
resolve to the process's built-in simulators (one SMM, one number provider, kept for the process's life:
the number simulator holds its pools). Adapters for real upstream protocols register a factory per kind in
``SMM_KINDS`` / ``NUMBER_KINDS``; they hold no state, so their objects are rebuilt from the row every
``REFRESH_SECONDS``: a new URL or key (``providers update``) reaches every API and worker process within
that time. A disabled provider still resolves: disabling stops new orders (``providers.sale``), while the
orders already placed with it are submitted and followed to the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from time import monotonic
from typing import Any, Final

from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound
from flashpanel.providers.base import NumberProvider, ProviderError, SmmProvider
from flashpanel.providers.sale import SIMULATOR_KIND
from flashpanel.state import AppState

# kind -> factory(state, provider row with the API key decrypted under "api_key")
SMM_KINDS: dict[str, Callable[[AppState, dict[str, Any]], SmmProvider]] = {}
NUMBER_KINDS: dict[str, Callable[[AppState, dict[str, Any]], NumberProvider]] = {}

# The cache slot of the process's built-in simulators (every simulator row resolves to them).
SIMULATOR: Final = "simulator"


def _provider_row(conn: Conn, *, provider_id: int) -> Row | None:
    return conn.one("SELECT * FROM providers WHERE id = ?", (provider_id,))


async def _load(state: AppState, provider_id: int) -> dict[str, Any]:
    row = await state.db.read(_provider_row, provider_id=provider_id)
    if row is None:
        raise NotFound(f"Provider {provider_id} not found")
    data = dict(row)
    token = data.pop("api_key_encrypted", None)
    data["api_key"] = state.secrets.decrypt(token) if token else None
    return data


def _no_provider() -> ProviderError:
    return ProviderError("no provider is mapped to this service", retryable=False, token="NO_PROVIDER")


def _factory(kinds: dict[str, Callable[[AppState, dict[str, Any]], Any]], row: dict[str, Any], line: str) -> Any:
    factory = kinds.get(row["kind"])
    if factory is None:
        raise ProviderError(
            f"provider {row['name']!r} ({row['kind']}) cannot fulfil {line} orders", retryable=False, token="BAD_KIND"
        )
    return factory


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
        row = await _load(state, provider_id)
        simulator = row["kind"] == SIMULATOR_KIND
        provider = _smm_simulator(state) if simulator else _factory(SMM_KINDS, row, "SMM")(state, row)
        _keep(state, "smm_providers", provider_id, provider, forever=simulator)
    return provider


async def number_provider(state: AppState, provider_id: int | None) -> NumberProvider:
    if provider_id is None:
        raise _no_provider()
    provider: NumberProvider | None = _cached(state, "number_providers", provider_id)
    if provider is None:
        row = await _load(state, provider_id)
        simulator = row["kind"] == SIMULATOR_KIND
        provider = _number_simulator(state) if simulator else _factory(NUMBER_KINDS, row, "OTP")(state, row)
        _keep(state, "number_providers", provider_id, provider, forever=simulator)
    return provider


def forget(state: AppState) -> None:
    """Drop cached provider objects (after providers were added, changed or disabled)."""
    state.extras.pop("smm_providers", None)
    state.extras.pop("number_providers", None)


# The real upstream protocol adapters (smm-v2, sms-activate) fill the kind tables above.
from flashpanel.providers import adapters as _adapters  # noqa: E402, F401
