"""Searching text with SQL ``LIKE`` on both dialects: the pattern's own wildcards are escaped (with ``\\``,
so every query writes ``LIKE ? ESCAPE '\\'``), and a search for "contains, any case" compares lower-cased
text with a lower-cased pattern."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern: ``\\``, ``%`` and ``_`` lose their meaning."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    """The pattern for "contains ``text``, ignoring case", against ``lower(column)``."""
    return f"%{escape_like(text.strip().lower())}%"
