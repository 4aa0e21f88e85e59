"""Which provider object fulfils an order, built from the ``providers`` table and cached per process.

``provider_id`` None (or a provider of kind ``simulator``) means the built-in simulator, the embedded
default: one per process, kept for the process's life (it holds the simulated number pools). Adapters
for real upstream protocols register a factory per kind in ``SMM_KINDS`` / ``NUMBER_KINDS``; they hold
no state, so their objects are rebuilt from the row every ``REFRESH_SECONDS``. An operator's
``providers disable`` (or a new URL or key) reaches every API and worker process within that time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from time import monotonic
from typing import Any

from flashpanel.db.runner import Conn, Row
from flashpanel.errors import NotFound
from flashpanel.providers.base import NumberProvider, ProviderError, SmmProvider
from flashpanel.state import AppState

# kind -> factory(state, provider row with the API key decrypted under "api_key")
SMM_KINDS: dict[str, Callable[[AppState, dict[str, Any]], SmmProvider]] = {}
NUMBER_KINDS: dict[str, Callable[[AppState, dict[str, Any]], NumberProvider]] = {}


def _provider_row(conn: Conn, *, provider_id: int) -> Row | None:
    return conn.one("SELECT * FROM providers WHERE id = ?", (provider_id,))


async def _load(state: AppState, provider_id: int) -> dict[str, Any]:
    row = await state.db.read(_provider_row, provider_id=provider_id)
    if row is None:
        raise NotFound(f"Provider {provider_id} not found")
    data = dict(row)
    if not data["active"]:
        # Retryable: the operator may enable it again; the outbox gives up after its last attempt.
        raise ProviderError(f"provider {data['name']!r} is disabled", retryable=True, token="DISABLED")
    token = data.pop("api_key_encrypted", None)
    data["api_key"] = state.secrets.decrypt(token) if token else None
    return data


REFRESH_SECONDS = 30.0
_FOREVER = math.inf

# provider id -> (provider object, monotonic time after which its row is read again)
Cache = dict[int | None, tuple[Any, float]]


def _cached(state: AppState, name: str, provider_id: int | None) -> Any:
    cache: Cache = state.extras.setdefault(name, {})
    entry = cache.get(provider_id)
    return entry[0] if entry is not None and monotonic() < entry[1] else None


def _keep(state: AppState, name: str, provider_id: int | None, provider: Any, *, forever: bool) -> None:
    cache: Cache = state.extras.setdefault(name, {})
    cache[provider_id] = (provider, _FOREVER if forever else monotonic() + REFRESH_SECONDS)


def install_smm_provider(state: AppState, provider_id: int | None, provider: SmmProvider) -> None:
    """Use ``provider`` for ``provider_id`` in this process from now on (tests, embedding)."""
    _keep(state, "smm_providers", provider_id, provider, forever=True)


def install_number_provider(state: AppState, provider_id: int | None, provider: NumberProvider) -> None:
    """Use ``provider`` for ``provider_id`` in this process from now on (tests, embedding)."""
    _keep(state, "number_providers", provider_id, provider, forever=True)


async def smm_provider(state: AppState, provider_id: int | None) -> SmmProvider:
    provider: SmmProvider | None = _cached(state, "smm_providers", provider_id)
    if provider is None:
        row = None if provider_id is None else await _load(state, provider_id)
        simulator = row is None or row["kind"] == "simulator"
        if row is None or simulator:
            from flashpanel.providers.simulator_smm import SimulatedSmmProvider

            provider = SimulatedSmmProvider(state.settings)
        else:
            provider = SMM_KINDS[row["kind"]](state, row)
        _keep(state, "smm_providers", provider_id, provider, forever=simulator)
    return provider


async def number_provider(state: AppState, provider_id: int | None) -> NumberProvider:
    provider: NumberProvider | None = _cached(state, "number_providers", provider_id)
    if provider is None:
        row = None if provider_id is None else await _load(state, provider_id)
        simulator = row is None or row["kind"] == "simulator"
        if row is None or simulator:
            # One simulator per process: its number pool is shared by every service mapped to it.
            provider = _cached(state, "number_providers", None)
            if provider is None:
                from flashpanel.providers.simulator_otp import SimulatedNumberProvider

                provider = SimulatedNumberProvider(state.settings)
                _keep(state, "number_providers", None, provider, forever=True)
        else:
            provider = NUMBER_KINDS[row["kind"]](state, row)
        _keep(state, "number_providers", provider_id, provider, forever=simulator)
    return provider


def forget(state: AppState) -> None:
    """Drop cached provider objects (after providers were added, changed or disabled)."""
    state.extras.pop("smm_providers", None)
    state.extras.pop("number_providers", None)


# The real upstream protocol adapters (smm-v2, sms-activate) fill the kind tables above.
from flashpanel.providers import adapters as _adapters  # noqa: E402, F401
