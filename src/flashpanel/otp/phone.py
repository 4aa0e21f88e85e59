"""Phone numbers in one form, E.164 (``+`` and the digits, country code first), whatever the upstream sent.

SMS-Activate and its clones send ``79991234567``; others ``+7 999 123-45-67`` or ``0079991234567``.
Numbers are read as international (country code first), as every number upstream flashpanel speaks to
sends them; nothing is checked against per-country numbering plans (docs/decisions.md, D24).
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-/]")
# E.164: at most 15 digits, country codes never start with 0; 7 digits is the shortest numbering plan.
_DIGITS = re.compile(r"[1-9][0-9]{6,14}")


def e164(raw: str) -> str | None:
    """``79991234567``, ``+7 (999) 123-45-67``, ``0079991234567`` → ``+79991234567``; None when what is
    left after dropping separators, a leading ``+`` or ``00``, is not 7 to 15 ASCII digits."""
    text = _SEPARATORS.sub("", raw.strip())
    digits = text[1:] if text.startswith("+") else text[2:] if text.startswith("00") else text
    return f"+{digits}" if _DIGITS.fullmatch(digits) and digits.isascii() else None
