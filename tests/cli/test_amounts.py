"""Money typed by the operator on the command line: one parser, one-line refusals, no traceback."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("cli_env")

BAD_AMOUNTS = [
    ("99999999999999999999", "at most 15 digits"),
    ("1e400", "must be a number"),
    ("1e3", "must be a number"),
    ("1,000", "must be a number"),
    ("NaN", "must be a number"),
    ("Infinity", "must be a number"),
    ("0x10", "must be a number"),
    ("1_000", "must be a number"),
    # Arabic-Indic digits: digits to Python's Decimal, not to an operator's ledger
    ("\u0661\u0660\u0660", "must be a number"),
    ("12.345", "more than 2 decimal places"),
    ("", "must be a number"),
]

# Every command that takes money from the operator, with a placeholder for the amount.
MONEY_COMMANDS = [
    ("users", "create", "dave", "--balance", "{}"),
    ("users", "topup", "carol", "{}"),
    ("users", "adjust", "carol", "{}", "--note", "correction"),
    ("smm", "services", "add", "--name", "S", "--category", "C", "--rate", "{}", "--min", "1", "--max", "10"),
    ("smm", "services", "update", "1", "--rate", "{}"),
    ("otp", "services", "add", "US", "Chat", "c", "--price", "{}"),
    ("otp", "services", "update", "1", "--price", "{}"),
    ("accounts", "products", "add", "1", "X", "--price", "{}"),
    ("accounts", "products", "update", "1", "--price", "{}"),
]


def _one_line_failure(args: tuple[str, ...]) -> str:
    code, out, err = run_cli(*args)
    assert code != 0, out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "│" not in err and "Usage:" not in err, err
    return lines[0].lower()


@pytest.mark.parametrize("command", MONEY_COMMANDS, ids=lambda c: " ".join(c[:3]))
@pytest.mark.parametrize(("typed", "message"), BAD_AMOUNTS)
def test_every_money_argument_refuses_anything_but_plain_digits(
    command: tuple[str, ...], typed: str, message: str
) -> None:
    run_cli("users", "create", "carol", "--balance", "10")
    line = _one_line_failure(tuple(typed if part == "{}" else part for part in command))
    assert message in line
    assert "Traceback" not in line


def test_a_negative_top_up_typed_as_is_is_refused_in_one_line() -> None:
    run_cli("users", "create", "alice", "--balance", "500")
    assert "must be positive" in _one_line_failure(("users", "topup", "alice", "-100"))
    _, out, _ = run_cli("users", "list")
    assert any("alice" in line and "500.00" in line for line in out.splitlines())


def test_the_largest_amount_with_fifteen_integer_digits_and_two_decimals_is_accepted() -> None:
    code, out, err = run_cli("users", "create", "rich", "--balance", "999999999999999.99")
    assert code == 0, err
    assert "999999999999999.99" in out


def test_a_top_up_that_would_take_a_balance_past_the_largest_amount_is_refused() -> None:
    run_cli("users", "create", "rich", "--balance", "999999999999999.99")
    assert "largest" in _one_line_failure(("users", "topup", "rich", "0.01"))
