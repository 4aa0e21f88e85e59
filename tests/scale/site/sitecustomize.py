"""Shortens flashpanel's recovery grace periods in every Python process of a crash-test run.

The scale harness puts this directory on ``PYTHONPATH`` and sets ``FLASHPANEL_SCALE_GRACE_SECONDS`` for the
API processes and workers it starts, so the real commands (``flashpanel serve``, its exec'd server process,
the uvicorn children of ``--workers N``, ``flashpanel worker``) all run with the shorter periods.

A process killed with ``kill -9`` can leave work half done: an SMM order claimed for submission, an OTP
purchase between its debit and the provider's answer, SMM orders leased for a status check. flashpanel
resolves each after a grace period (``smm.fulfilment.STALE_SUBMISSION_SECONDS``, 300 s;
``otp.orders.PENDING_GRACE_SECONDS``, 300 s; ``smm.fulfilment.SYNC_LEASE_SECONDS``, 60 s). Those are module
constants, not settings, so a CI-sized run sets them here, keeping their order (a grace period stays longer
than the provider call it covers), to watch the recovery happen instead of waiting five minutes.
"""

from __future__ import annotations

import contextlib
import os
from types import ModuleType


def shorten_grace_periods(grace: float) -> dict[str, float]:
    from flashpanel.otp import orders as otp_orders
    from flashpanel.otp import service as otp_service
    from flashpanel.smm import fulfilment

    changed: dict[str, float] = {}

    def put(module: ModuleType, name: str, value: float) -> None:
        if hasattr(module, name):
            setattr(module, name, value)
            changed[f"{module.__name__}.{name}"] = value

    # SMM: a submission claim outlives the adapter's 20 s HTTP timeout before it counts as stale.
    put(fulfilment, "STALE_SUBMISSION_SECONDS", max(grace, 25.0))
    put(fulfilment, "SYNC_LEASE_SECONDS", min(10.0, grace))
    # OTP: a purchase's provider call is bounded by BUY_TIMEOUT, well inside the pending grace period.
    put(otp_service, "BUY_TIMEOUT", max(2.0, grace / 3))
    put(otp_orders, "PENDING_GRACE_SECONDS", grace)
    return changed


_grace = float(os.environ.get("FLASHPANEL_SCALE_GRACE_SECONDS", "0") or 0)
if _grace > 0:
    with contextlib.suppress(ImportError):  # not a flashpanel environment: nothing to shorten
        print(f"scale test grace periods: {shorten_grace_periods(_grace)}", flush=True)
