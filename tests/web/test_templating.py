from __future__ import annotations

import pytest

from flashpanel.web.render import safe_next
from flashpanel.web.templating import format_money, format_time


@pytest.mark.parametrize(
    ("cents", "signed", "shown"),
    [
        (1500000, False, "₦15,000.00"),
        (0, False, "₦0.00"),
        (5, False, "₦0.05"),
        (123456789, True, "+₦1,234,567.89"),
        (-50000, True, "\u2212₦500.00"),
        (-1, False, "\u2212₦0.01"),
    ],
)
def test_money_is_shown_with_the_symbol_thousands_and_two_places(cents: int, signed: bool, shown: str) -> None:
    assert format_money(cents, "₦", signed=signed) == shown


def test_times_are_shown_in_utc_and_unknown_ones_as_a_dash() -> None:
    assert format_time(0) == "1970-01-01 00:00 UTC"
    assert format_time(None) == "\u2014"


@pytest.mark.parametrize(
    ("target", "goes_to"),
    [
        ("/wallet?before=3", "/wallet?before=3"),
        ("", "/"),
        (None, "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("wallet", "/"),
    ],
)
def test_after_log_in_the_panel_only_sends_customers_to_its_own_pages(target: str | None, goes_to: str) -> None:
    assert safe_next(target) == goes_to
