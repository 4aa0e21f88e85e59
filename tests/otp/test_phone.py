"""Phone numbers are E.164 with a leading ``+``, whatever the upstream sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashpanel.otp.phone import e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("79991234567", "+79991234567"),  # SMS-Activate style
        ("+79991234567", "+79991234567"),
        (" +7 (999) 123-45-67 ", "+79991234567"),
        ("0079991234567", "+79991234567"),
        ("1.202.555.0123", "+12025550123"),
        ("2348031234567", "+2348031234567"),
    ],
)
def test_numbers_in_any_international_spelling_become_e164(raw: str, expected: str) -> None:
    assert e164(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "+", "abc", "+0791234567", "12345", "1234567890123456", "+7 999 CALL NOW", "٧٩٩٩١٢٣٤٥٦٧", "++79991234567"],
)
def test_what_cannot_be_an_e164_number_is_refused(raw: str) -> None:
    assert e164(raw) is None


@given(st.text(max_size=40))
def test_every_accepted_number_is_plus_and_7_to_15_digits(raw: str) -> None:
    number = e164(raw)
    assert number is None or (number[0] == "+" and number[1:].isdigit() and 7 <= len(number) - 1 <= 15)
