"""The kinds of provider row that talk to a real upstream, and how each kind's adapter is built.

A literal map per line (kind -> factory), read by :mod:`flashpanel.providers.registry`. The factories
import their adapter (and httpx, ~7 MB with what it pulls in) on first use, so a process that never
talks to an upstream of a kind never loads it. This module imports no adapter and nothing that
imports the registry, so neither side needs the other at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from flashpanel.providers.base import NumberProvider, SmmProvider

SMM_V2: Final = "smm-v2"
SMS_ACTIVATE: Final = "sms-activate"
KINDS: Final = (SMM_V2, SMS_ACTIVATE)


@dataclass(frozen=True, slots=True)
class UpstreamAccess:
    """What an adapter needs from its provider row; the key decrypted, in memory only."""

    name: str
    kind: str
    url: str
    api_key: str
    currency: str


def _smm_v2(access: UpstreamAccess) -> SmmProvider:
    from flashpanel.providers.smm_v2 import SmmV2Provider

    return SmmV2Provider(access.url, access.api_key)


def _sms_activate(access: UpstreamAccess) -> NumberProvider:
    from flashpanel.providers.sms_activate import SmsActivateProvider

    return SmsActivateProvider(access.url, access.api_key, currency=access.currency)


SMM_FACTORIES: Final[Mapping[str, Callable[[UpstreamAccess], SmmProvider]]] = MappingProxyType({SMM_V2: _smm_v2})
NUMBER_FACTORIES: Final[Mapping[str, Callable[[UpstreamAccess], NumberProvider]]] = MappingProxyType(
    {SMS_ACTIVATE: _sms_activate}
)
