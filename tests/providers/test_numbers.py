"""Upstream numbers are read within bounds before any conversion: a short text can be a huge number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpanel.providers.base import ProviderError, SmmProgress
from flashpanel.providers.numbers import INT64_MAX, INT64_MIN, BadNumber, read_decimal, read_int
from flashpanel.providers.smm_v2 import parse_progress


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.27819", Decimal("0.27819")), (0.9, Decimal("0.9")), ("1,5", Decimal("1.5")), (" 12 ", Decimal(12)),
     (157, Decimal(157)), ("-5", Decimal(-5)), ("0e-999999", Decimal(0)), ("1e18", Decimal("1e18")),
     (None, None), ("", None), ("  ", None)],
)  # fmt: skip
def test_read_decimal_reads_what_upstreams_send(value: object, expected: Decimal | None) -> None:
    assert read_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    ["1e300000", "1E-300000", "1e19", "1e-31", "NaN", "nan", "-Infinity", "abc", "1.2.3", True, [1], {"a": 1},
     float("inf"), float("nan"), 2**64, -(2**64), pytest.param(10**5000, id="5001 digits"), "9" * 41, "1" * 5000],
)  # fmt: skip
def test_read_decimal_refuses_what_is_not_a_bounded_number(value: object) -> None:
    with pytest.raises(BadNumber):
        read_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("157", 157), (157, 157), ("157.0", 157), ("-5", -5), (str(INT64_MAX), INT64_MAX), (str(INT64_MIN), INT64_MIN),
     (None, None)],
)  # fmt: skip
def test_read_int_reads_whole_numbers_in_64_bits(value: object, expected: int | None) -> None:
    assert read_int(value) == expected


@pytest.mark.parametrize("value", ["33.5", str(INT64_MAX + 1), str(INT64_MIN - 1), "99999999999999999999", "1e300000"])
def test_read_int_refuses_fractions_and_values_past_64_bits(value: str) -> None:
    with pytest.raises(BadNumber):
        read_int(value)


def test_read_int_keeps_to_the_range_asked() -> None:
    assert read_int("0", minimum=0) == 0
    with pytest.raises(BadNumber, match="out of range"):
        read_int("-1", minimum=0)


numbers_as_sent = st.one_of(
    st.text(max_size=60),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-(10**30), 10**30), st.integers(-(10**8), 10**8)),
    st.integers(-(2**200), 2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(numbers_as_sent)
def test_whatever_is_sent_the_reader_answers_a_bounded_number_or_refuses(value: object) -> None:
    try:
        number = read_decimal(value)
    except BadNumber:
        return
    assert number is None or number == 0 or -30 <= number.adjusted() <= 18
    try:
        whole = read_int(value)
    except BadNumber:
        return
    assert whole is None or INT64_MIN <= whole <= INT64_MAX


@pytest.mark.parametrize(
    "item",
    [{"status": "In progress", "remains": "1e300000"}, {"status": "In progress", "remains": "NaN"},
     {"status": "Partial", "remains": "33.5"}, {"status": "Completed", "start_count": 2**64},
     {"status": "In progress", "start_count": "-5"}, {"status": "In progress", "remains": "99999999999999999999"}],
)  # fmt: skip
def test_an_order_status_with_a_hostile_number_is_malformed_for_that_order(item: dict[str, object]) -> None:
    progress = parse_progress(item)
    assert isinstance(progress, ProviderError) and progress.token == "MALFORMED" and progress.retryable


def test_an_order_status_with_readable_numbers_is_read() -> None:
    progress = parse_progress({"status": "In progress", "remains": "40.0", "start_count": 157, "charge": "1e300000"})
    assert progress == SmmProgress(status="in_progress", start_count=157, remains=40, cost=None)
