"""Registers the real upstream protocol adapters with the provider registry.

Importing this module once per process (``flashpanel.providers.registry`` does it at its end) makes
provider rows of kind ``smm-v2`` and ``sms-activate`` resolve to their adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flashpanel.providers.registry import NUMBER_KINDS, SMM_KINDS
from flashpanel.state import AppState

if TYPE_CHECKING:
    from flashpanel.providers.smm_v2 import SmmV2Provider
    from flashpanel.providers.sms_activate import SmsActivateProvider

SMM_V2 = "smm-v2"
SMS_ACTIVATE = "sms-activate"
KINDS = (SMM_V2, SMS_ACTIVATE)


# The adapters (and httpx, ~7 MB with what it pulls in) are imported only by a process that uses them.
def smm_v2(state: AppState, row: dict[str, Any]) -> SmmV2Provider:
    from flashpanel.providers.smm_v2 import SmmV2Provider

    return SmmV2Provider(row["url"], row["api_key"] or "")


def sms_activate(state: AppState, row: dict[str, Any]) -> SmsActivateProvider:
    from flashpanel.providers.sms_activate import SmsActivateProvider

    return SmsActivateProvider(row["url"], row["api_key"] or "", currency=row.get("currency") or "")


SMM_KINDS[SMM_V2] = smm_v2
NUMBER_KINDS[SMS_ACTIVATE] = sms_activate
