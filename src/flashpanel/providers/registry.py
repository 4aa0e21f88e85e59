"""Which provider object fulfils an order: built once per process from the ``providers`` table.

``provider_id`` None (or a provider of kind ``simulator``) means the built-in simulator, the embedded
default. Adapters for real upstream protocols register a factory per kind in ``SMM_KINDS`` /
``NUMBER_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable
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


async def smm_provider(state: AppState, provider_id: int | None) -> SmmProvider:
    cache: dict[int | None, SmmProvider] = state.extras.setdefault("smm_providers", {})
    provider = cache.get(provider_id)
    if provider is None:
        row = None if provider_id is None else await _load(state, provider_id)
        if row is None or row["kind"] == "simulator":
            from flashpanel.providers.simulator_smm import SimulatedSmmProvider

            provider = SimulatedSmmProvider(state.settings)
        else:
            provider = SMM_KINDS[row["kind"]](state, row)
        cache[provider_id] = provider
    return provider


async def number_provider(state: AppState, provider_id: int | None) -> NumberProvider:
    cache: dict[int | None, NumberProvider] = state.extras.setdefault("number_providers", {})
    provider = cache.get(provider_id)
    if provider is None:
        row = None if provider_id is None else await _load(state, provider_id)
        if row is None or row["kind"] == "simulator":
            # One simulator per process: its number pool is shared by every service mapped to it.
            provider = cache.get(None)
            if provider is None:
                from flashpanel.providers.simulator_otp import SimulatedNumberProvider

                provider = SimulatedNumberProvider(state.settings)
        else:
            provider = NUMBER_KINDS[row["kind"]](state, row)
        cache[provider_id] = provider
    return provider


def forget(state: AppState) -> None:
    """Drop cached provider objects (after providers were added, changed or disabled)."""
    state.extras.pop("smm_providers", None)
    state.extras.pop("number_providers", None)


# The real upstream protocol adapters (smm-v2, sms-activate) fill the kind tables above.
from flashpanel.providers import adapters as _adapters  # noqa: E402, F401
