"""Money helpers: the smallest quantity a rate charges at least one cent for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flashpanel.wallet.money import charge_per_thousand, smallest_charged_quantity


@given(st.integers(min_value=1, max_value=10**9))
def test_the_smallest_charged_quantity_is_the_first_that_costs_a_cent(rate_cents: int) -> None:
    smallest = smallest_charged_quantity(rate_cents)
    assert smallest is not None and smallest >= 1
    assert charge_per_thousand(rate_cents, smallest) >= 1
    assert smallest == 1 or charge_per_thousand(rate_cents, smallest - 1) == 0


def test_a_rate_of_zero_never_charges() -> None:
    assert smallest_charged_quantity(0) is None
    assert smallest_charged_quantity(1) == 500  # 0.01 per 1000: 499 cost 0.00499, 500 cost 0.005 → 0.01
