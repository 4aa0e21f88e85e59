"""Flash messages: a short note carried from one page to the next ("Your password has been changed").

Kept in a small signed cookie rather than the session, so that it also works before log-in (after a
password reset, after log-out). The signature stops another site's cookie from planting messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal

from litestar import Request, Response

FLASH_COOKIE = "fp_flash"
Level = Literal["success", "info", "error"]


@dataclass(frozen=True, slots=True)
class Flash:
    level: Level
    text: str


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()[:32]


def encode(secret: bytes, messages: list[Flash]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps([[m.level, m.text] for m in messages]).encode())
    return f"{payload.decode()}.{_sign(secret, payload)}"


def decode(secret: bytes, value: str) -> list[Flash]:
    """The messages in a cookie value; nothing when it is malformed or not signed by us."""
    payload, _, signature = value.partition(".")
    if not hmac.compare_digest(signature, _sign(secret, payload.encode())):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return [Flash(level=level, text=str(text)) for level, text in items if level in ("success", "info", "error")]
    except (ValueError, TypeError):
        return []


# A browser drops a cookie past 4 KB, and the message with it. A refusal may quote what was typed (a 10 kB
# price): the text is cut here so that even escaped non-ASCII text (8 bytes a character, encoded) fits.
MAX_FLASH_CHARACTERS = 400


def add_flash(response: Response[Any], secret: bytes, text: str, level: Level = "success", *, secure: bool) -> None:
    if len(text) > MAX_FLASH_CHARACTERS:
        text = text[: MAX_FLASH_CHARACTERS - 1] + "…"
    response.set_cookie(
        FLASH_COOKIE,
        encode(secret, [Flash(level, text)]),
        max_age=120,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def take_flashes(request: Request[Any, Any, Any], secret: bytes) -> list[Flash]:
    value = request.cookies.get(FLASH_COOKIE)
    return decode(secret, value) if value else []
