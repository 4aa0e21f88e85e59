"""Money helpers: amounts typed by a person (exactly what was typed, or a refusal, never a rounding), and the
smallest quantity a rate charges at least one cent for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashpanel.wallet.money import (
    MAX_AMOUNT_CENTS,
    InvalidAmount,
    charge_per_thousand,
    format_cents,
    parse_amount,
    smallest_charged_quantity,
    to_cents,
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("0", "0.00"), ("1500", "1500.00"), ("1500.5", "1500.50"), (" 99.99 ", "99.99"), ("007", "7.00"), (25, "25.00")],
)
def test_plain_digits_with_up_to_two_decimals_are_read_exactly(typed: str | int, value: str) -> None:
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed",
    ["1e3", "1E3", "1e400", "NaN", "inf", "-inf", "1,000", "1_000", "0x10", ".5", "5.", "+5", "", "\u0661\u0660", "½"],
)
def test_anything_but_plain_digits_is_refused(typed: str) -> None:
    with pytest.raises(InvalidAmount, match="must be a number"):
        parse_amount(typed)


def test_more_than_two_decimals_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidAmount, match="more than 2 decimal places"):
        parse_amount("10.005")


def test_sixteen_integer_digits_are_refused_and_leading_zeros_do_not_count() -> None:
    assert parse_amount("000999999999999999.99") == Decimal("999999999999999.99")
    with pytest.raises(InvalidAmount, match="at most 15 digits"):
        parse_amount("1000000000000000")


def test_a_sign_is_read_only_where_a_signed_amount_is_asked_for() -> None:
    with pytest.raises(InvalidAmount, match="must not be negative"):
        parse_amount("-100")
    assert parse_amount("-100", signed=True) == Decimal("-100.00")
    assert parse_amount("+100.5", signed=True) == Decimal("100.50")
    with pytest.raises(InvalidAmount, match="must be a number"):
        parse_amount("--100", signed=True)


@pytest.mark.parametrize("value", [1.5, True, None, Decimal("1")])
def test_floats_and_other_types_are_refused(value: object) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(value)  # type: ignore[arg-type]  # the wrong types are the point


@given(st.integers(min_value=-MAX_AMOUNT_CENTS, max_value=MAX_AMOUNT_CENTS))
def test_every_amount_in_range_round_trips_through_its_printed_form(cents: int) -> None:
    assert to_cents(parse_amount(format_cents(cents), signed=True)) == cents


@given(st.integers(min_value=1, max_value=10**9))
def test_the_smallest_charged_quantity_is_the_first_that_costs_a_cent(rate_cents: int) -> None:
    smallest = smallest_charged_quantity(rate_cents)
    assert smallest is not None and smallest >= 1
    assert charge_per_thousand(rate_cents, smallest) >= 1
    assert smallest == 1 or charge_per_thousand(rate_cents, smallest - 1) == 0


def test_a_rate_of_zero_never_charges() -> None:
    assert smallest_charged_quantity(0) is None
    assert smallest_charged_quantity(1) == 500  # 0.01 per 1000: 499 cost 0.00499, 500 cost 0.005 → 0.01
