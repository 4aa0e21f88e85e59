"""Time-based one-time codes (RFC 6238, 30-second steps, 6 digits) with pyotp, and the enrolment QR code.

A code is accepted for the current step or one step either side (clock drift), and only for a step
later than the last one accepted, so a code seen over a shoulder cannot be used again."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno

STEP_SECONDS = 30
ISSUER = "flashpanel"


def new_secret() -> str:
    return pyotp.random_base32()


def matching_step(secret: str, code: str, *, at: float | None = None, after_step: int = 0) -> int | None:
    """The step ``code`` belongs to (now, or one step either side), if later than ``after_step``; else None."""
    typed = "".join(code.split())
    if not typed.isdigit() or len(typed) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if at is None else at
    current = int(moment // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def provisioning_uri(secret: str, *, operator: str, panel: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=f"{operator}@{panel}", issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` element (no script, no image request: the CSP holds)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff", title="Authenticator QR code"))


def current_code(secret: str, *, at: float | None = None) -> str:
    """The code for now (tests and the operator's own checks)."""
    return str(pyotp.TOTP(secret).at(time.time() if at is None else at))
