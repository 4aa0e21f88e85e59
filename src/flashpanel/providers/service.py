"""Providers as data: the upstreams an operator has configured, with their API keys encrypted at rest.

Units of work (``fn(conn, **kwargs)``) for the CLI and the worker, plus :func:`adapter_for`, which
turns a provider row into the adapter speaking its protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import msgspec

from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import all_as, one_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.providers.kinds import KINDS, SMM_V2
from flashpanel.providers.sale import SIMULATOR_KIND, SIMULATOR_NAME

if TYPE_CHECKING:
    from flashpanel.providers.smm_v2 import SmmV2Provider
    from flashpanel.providers.sms_activate import SmsActivateProvider


class ProviderNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"Provider {name!r} not found")


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A provider as the operator sees it (never with its key)."""

    id: int
    name: str
    kind: str
    url: str | None
    currency: str | None
    # Panel-currency units per one provider-currency unit.
    exchange_rate: Decimal
    active: bool


class ProviderRecord(msgspec.Struct, frozen=True):
    """A provider row as stored, its key still encrypted (for :func:`adapter_for`)."""

    id: int
    name: str
    kind: str
    url: str | None
    api_key_encrypted: str | None
    currency: str | None
    exchange_rate: Decimal
    active: bool


def _info(record: ProviderRecord) -> ProviderInfo:
    return ProviderInfo(
        id=record.id,
        name=record.name,
        kind=record.kind,
        url=record.url,
        currency=record.currency,
        exchange_rate=record.exchange_rate,
        active=record.active,
    )


def parse_exchange_rate(text: str | Decimal) -> Decimal:
    """A positive exact decimal; raises :class:`RuleViolation` otherwise."""
    try:
        rate = Decimal(str(text).strip())
    except InvalidOperation:
        raise RuleViolation(f"exchange rate must be a positive number, got {text!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise RuleViolation(f"exchange rate must be a positive number, got {text!r}")
    return rate


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise RuleViolation(f"url must start with http:// or https://, got {url!r}")
    return url


def _check_key(api_key: str) -> str:
    if not api_key.strip():
        raise RuleViolation("the API key must not be empty")
    return api_key.strip()


def is_cleartext(url: str) -> bool:
    """An ``http://`` URL: the API key would cross the network unencrypted."""
    return url.strip().lower().startswith("http://")


def add_provider(
    conn: Conn,
    *,
    secrets: SecretBox,
    name: str,
    kind: str,
    url: str,
    api_key: str,
    currency: str = "USD",
    exchange_rate: Decimal = Decimal(1),
) -> ProviderInfo:
    """Store a provider; the key is Fernet-encrypted before it reaches the database."""
    name = name.strip()
    if not name or len(name) > 100:
        raise RuleViolation("provider name must be 1 to 100 characters")
    if name == SIMULATOR_NAME:
        raise RuleViolation(f"the name {SIMULATOR_NAME!r} is reserved for the built-in simulator")
    if kind not in KINDS:
        raise RuleViolation(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    url = _check_url(url)
    api_key = _check_key(api_key)
    currency = currency.strip().upper()
    if not currency or len(currency) > 8:
        raise RuleViolation(f"currency must be a code like USD, got {currency!r}")
    rate = parse_exchange_rate(exchange_rate)
    if conn.one("SELECT id FROM providers WHERE name = ?", (name,)) is not None:
        raise RuleViolation(f"Provider {name!r} already exists")
    conn.execute(
        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (name, kind, url, secrets.encrypt(api_key), currency, str(rate), True, now()),
    )
    return get_provider_or_raise(conn, name=name)


def list_providers(conn: Conn) -> list[ProviderInfo]:
    return [_info(record) for record in all_as(conn, ProviderRecord, "SELECT * FROM providers ORDER BY id")]


def get_provider(conn: Conn, *, name: str) -> ProviderInfo | None:
    record = one_as(conn, ProviderRecord, "SELECT * FROM providers WHERE name = ?", (name,))
    return None if record is None else _info(record)


def get_provider_or_raise(conn: Conn, *, name: str) -> ProviderInfo:
    info = get_provider(conn, name=name)
    if info is None:
        raise ProviderNotFound(name)
    return info


def set_active(conn: Conn, *, name: str, active: bool) -> ProviderInfo:
    get_provider_or_raise(conn, name=name)
    conn.execute("UPDATE providers SET active = ? WHERE name = ?", (active, name))
    return get_provider_or_raise(conn, name=name)


def update_provider(
    conn: Conn, *, secrets: SecretBox, name: str, url: str | None = None, api_key: str | None = None
) -> ProviderInfo:
    """Change a provider's URL and/or key (encrypted before it is stored). Running processes use the new
    values within ``registry.REFRESH_SECONDS``; orders already placed follow the provider to its new
    address."""
    info = get_provider_or_raise(conn, name=name)
    if info.kind == SIMULATOR_KIND:
        raise RuleViolation(f"provider {name!r} is the built-in simulator: it has no URL or key")
    if url is None and api_key is None:
        raise RuleViolation("nothing to change: give a new URL or key")
    if url is not None:
        conn.execute("UPDATE providers SET url = ? WHERE id = ?", (_check_url(url), info.id))
    if api_key is not None:
        conn.execute(
            "UPDATE providers SET api_key_encrypted = ? WHERE id = ?", (secrets.encrypt(_check_key(api_key)), info.id)
        )
    return get_provider_or_raise(conn, name=name)


def set_exchange_rate(conn: Conn, *, name: str, exchange_rate: Decimal) -> ProviderInfo:
    get_provider_or_raise(conn, name=name)
    conn.execute(
        "UPDATE providers SET exchange_rate = ? WHERE name = ?", (str(parse_exchange_rate(exchange_rate)), name)
    )
    return get_provider_or_raise(conn, name=name)


def provider_row(conn: Conn, *, name: str) -> ProviderRecord:
    """The full row, key still encrypted (for :func:`adapter_for`)."""
    record = one_as(conn, ProviderRecord, "SELECT * FROM providers WHERE name = ?", (name,))
    if record is None:
        raise ProviderNotFound(name)
    return record


def adapter_for(record: ProviderRecord, secrets: SecretBox) -> SmmV2Provider | SmsActivateProvider:
    """The adapter for a provider row (``api_key_encrypted`` is decrypted here, in memory only)."""
    token = record.api_key_encrypted
    key = secrets.decrypt(token) if token else ""
    # The adapters (and httpx) load on first use, as providers/kinds.py's factories do.
    from flashpanel.providers.smm_v2 import SmmV2Provider
    from flashpanel.providers.sms_activate import SmsActivateProvider

    if record.kind == SMM_V2:
        return SmmV2Provider(record.url or "", key)
    if record.kind in KINDS:
        return SmsActivateProvider(record.url or "", key, currency=record.currency or "")
    raise RuleViolation(f"provider {record.name!r} is of kind {record.kind!r}, which has no upstream to ask")
