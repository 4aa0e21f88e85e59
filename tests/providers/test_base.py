"""The provider seam: upstream text never breaks a log line."""

from __future__ import annotations

from flashpanel.providers.base import ProviderError, one_line
from flashpanel.providers.smm_v2 import classify_error

FORGED = "Invalid link\n2026-01-01 12:00:00 CRITICAL flashpanel: forged line\r\x1b[2J\u2028end"


def test_upstream_text_is_kept_on_one_line_with_its_breaks_escaped() -> None:
    text = one_line(FORGED)
    assert text == r"Invalid link\n2026-01-01 12:00:00 CRITICAL flashpanel: forged line\r\x1b[2J\u2028end"
    assert one_line("plain text, tabs\tand unicode é") == "plain text, tabs\tand unicode é"


def test_a_provider_error_message_is_one_line_wherever_it_is_logged_or_stored() -> None:
    for error in (ProviderError(FORGED, retryable=False), classify_error(FORGED)):
        assert "\n" not in error.message and "\r" not in error.message and "\x1b" not in error.message
        assert "\n" not in str(error)
        assert r"Invalid link\n2026" in error.message
