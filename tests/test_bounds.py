"""The one integer grammar and the bounds table every request is decoded with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashpanel.bounds import INT64_MAX, INT64_MIN, PARAMETERS, IdList, read_integer


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5), ("+5", 5), ("-5", -5), (" 12 ", 12), ("007", 7), ("0", 0), ("-0", 0), (str(INT64_MAX), INT64_MAX)],
)
def test_integers_are_digits_with_at_most_one_sign(text: str, value: int) -> None:
    assert read_integer(text) == value


@pytest.mark.parametrize("text", ["--5", "+-5", "-+5", "5-", "1e3", "1e309", "5.0", "0x10", "1_000", "\uff15", "", "-"])
def test_anything_else_is_not_an_integer(text: str) -> None:
    assert read_integer(text) is None


def test_a_number_too_long_for_64_bits_is_just_past_them_without_being_converted() -> None:
    assert read_integer("9" * 5000) == INT64_MAX + 1
    assert read_integer("-" + "9" * 5000) == INT64_MIN - 1
    assert read_integer("0" * 5000 + "42") == 42  # leading zeros are not digits that count


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_every_integer_reads_back_or_lands_just_past_64_bits(value: int) -> None:
    read = read_integer(str(value))
    assert read is not None
    if len(str(abs(value))) <= 19:
        assert read == value
    assert (INT64_MIN <= read <= INT64_MAX) == (INT64_MIN <= value <= INT64_MAX)


def test_ids_name_a_row_only_inside_64_bits_and_above_zero() -> None:
    order = PARAMETERS["order"]
    assert order.names_a_row and order.low == 1 and order.high == INT64_MAX
    for name in ("order", "refill", "product", "category", "country", "orders", "refills"):
        assert PARAMETERS[name].names_a_row, name
    for name in ("service", "quantity", "runs", "interval", "page", "limit"):
        assert not PARAMETERS[name].names_a_row, name
        assert (PARAMETERS[name].low, PARAMETERS[name].high) == (INT64_MIN, INT64_MAX)


def test_an_id_list_keeps_what_was_sent_and_the_ids_inside_their_bounds() -> None:
    ids = IdList.of(("3", "0", "-2", str(INT64_MAX + 1), "x", str(INT64_MAX)))
    assert ids.raw == ("3", "0", "-2", str(INT64_MAX + 1), "x", str(INT64_MAX))
    assert ids.ids == [3, INT64_MAX]
