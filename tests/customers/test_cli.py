"""The operator CLI for customers: a stable contract that scripts depend on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flashpanel.config import Settings
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from flashpanel.wallet import ledger
from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("cli_env")


run = run_cli


def _customer(db: Database, name: str) -> dict[str, Any]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM customers WHERE name = ?", (name,)))
    assert row is not None
    return dict(row)


def test_create_prints_the_key_alone_on_the_last_line(db: Database) -> None:
    code, out, _ = run("users", "create", "alice", "--balance", "1500.50")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert " " not in key and len(key) >= 43
    row = _customer(db, "alice")
    assert row["api_key_digest"] == key_digest(key)
    assert row["balance_cents"] == 150050


def test_topup_adds_one_ledger_entry_with_the_note(db: Database) -> None:
    run("users", "create", "bob")
    code, out, _ = run("users", "topup", "bob", "250", "--note", "bank transfer 42")
    assert code == 0 and "250.00" in out
    customer_id = int(_customer(db, "bob")["id"])
    rows = db.read_sync(
        lambda c: c.all("SELECT amount_cents, kind, note FROM ledger_entries WHERE customer_id = ?", (customer_id,))
    )
    assert [(r["amount_cents"], r["kind"], r["note"]) for r in rows] == [(25000, "topup", "bank transfer 42")]
    assert db.read_sync(ledger.balance_cents, customer_id=customer_id) == 25000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "topup", "nobody", "5"), "no customer named"),
        (("users", "topup", "carol", "abc"), "must be a number"),
        (("users", "topup", "carol", "--", "-5"), "must be positive"),
        (("users", "topup", "carol", "1.005"), "more than 2 decimal places"),
        (("users", "create", "carol"), "already exists"),
        (("users", "create", "dave", "--balance", "-1"), "must not be negative"),
        (("users", "disable", "nobody"), "no customer named"),
        (("users", "rotate-key", "nobody"), "no customer named"),
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_message(args: tuple[str, ...], message: str) -> None:
    run("users", "create", "carol")
    code, _, err = run(*args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0].lower(), err


def test_list_shows_balances_and_status() -> None:
    run("users", "create", "erin", "--balance", "10")
    run("users", "create", "frank")
    run("users", "disable", "frank")
    code, out, _ = run("users", "list")
    assert code == 0
    assert any("erin" in line and "10.00" in line and "active" in line for line in out.splitlines())
    assert any("frank" in line and "disabled" in line for line in out.splitlines())


def test_rotate_key_replaces_the_stored_digest(db: Database) -> None:
    _, out, _ = run("users", "create", "gina")
    old = out.strip().splitlines()[-1]
    code, out, _ = run("users", "rotate-key", "gina")
    new = out.strip().splitlines()[-1]
    assert code == 0 and new != old
    assert _customer(db, "gina")["api_key_digest"] == key_digest(new)


def test_demo_seed_is_idempotent_and_prints_the_same_key(settings: Settings, db: Database) -> None:
    code1, out1, _ = run("demo", "seed")
    code2, out2, _ = run("demo", "seed")
    assert code1 == code2 == 0
    assert out1.strip().splitlines()[-1] == out2.strip().splitlines()[-1]
    assert _customer(db, "demo")["balance_cents"] == 1500000
    assert Path(settings.demo_key_file).stat().st_mode & 0o777 == 0o600


def test_db_upgrade_on_a_current_database_says_there_was_nothing_to_apply() -> None:
    code, out, _ = run("db", "upgrade")
    assert code == 0 and "nothing to apply" in out


def test_adjust_typed_negative_debits_with_an_adjustment_entry(db: Database) -> None:
    run("users", "create", "alice", "--balance", "500")
    code, out, err = run("users", "adjust", "alice", "-100", "--note", "x")
    assert code == 0, err
    assert "400.00" in out
    customer_id = int(_customer(db, "alice")["id"])
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT amount_cents, kind, note FROM ledger_entries WHERE customer_id = ? ORDER BY id", (customer_id,)
        )
    )
    assert [(r["amount_cents"], r["kind"], r["note"]) for r in rows][-1] == (-10000, "adjustment", "x")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "adjust", "alice", "-100"), "--note"),
        (("users", "adjust", "alice", "-600", "--note", "x"), "below zero"),
        (("users", "adjust", "alice", "0", "--note", "x"), "zero"),
        (("users", "adjust", "alice", "1e3", "--note", "x"), "must be a number"),
        (("users", "adjust", "nobody", "5", "--note", "x"), "no customer named"),
        (("users", "show", "nobody"), "no customer named"),
    ],
)
def test_bad_adjustments_exit_non_zero_with_one_line_and_move_nothing(
    db: Database, args: tuple[str, ...], message: str
) -> None:
    run("users", "create", "alice", "--balance", "500")
    code, _, err = run(*args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0].lower(), err
    assert _customer(db, "alice")["balance_cents"] == 50000


def test_show_prints_the_balance_recent_entries_and_orders_per_line() -> None:
    run("users", "create", "alice", "--balance", "500")
    run("users", "topup", "alice", "25", "--note", "bank transfer 7")
    run("users", "adjust", "alice", "-100", "--note", "refund by hand")
    code, out, err = run("users", "show", "alice")
    assert code == 0, err
    assert "balance 425.00" in out
    lines = out.splitlines()
    entry_lines = [line for line in lines if "adjustment" in line or "topup" in line]
    assert "refund by hand" in entry_lines[0] and "-100.00" in entry_lines[0]  # newest first
    assert "bank transfer 7" in entry_lines[1]
    assert any(line.split()[:2] == ["smm", "0"] for line in lines)
    assert any(line.split()[:2] == ["otp", "0"] for line in lines)
    assert any(line.split()[:2] == ["accounts", "0"] for line in lines)


def test_create_follows_the_username_rule_and_stores_the_name_lower_case(db: Database) -> None:
    code, _, err = run("users", "create", "Has Space")
    assert code == 1 and "username must be 3 to 32 characters" in err.lower()
    code, _, _ = run("users", "create", "Mixed.Case-1")
    assert code == 0 and _customer(db, "mixed.case-1")["balance_cents"] == 0
    code, _, err = run("users", "create", "MIXED.case-1")
    assert code == 1 and "already exists" in err
    code, out, _ = run("users", "topup", "Mixed.Case-1", "5")  # any case finds the customer
    assert code == 0 and "5.00" in out


def test_reset_link_prints_a_single_use_link_under_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from flashpanel.config import get_settings

    monkeypatch.setenv("FLASHPANEL_PUBLIC_URL", "https://panel.example/")
    get_settings.cache_clear()
    run("users", "create", "hugo")
    code, out, _ = run("users", "reset-link", "hugo")
    link = out.strip().splitlines()[-1]
    assert code == 0 and link.startswith("https://panel.example/reset/") and len(link) > 60
    code, _, err = run("users", "reset-link", "nobody")
    assert code == 1 and "no customer named" in err.lower()


def test_reset_link_without_a_public_url_says_which_address_it_used() -> None:
    run("users", "create", "iris")
    code, out, err = run("users", "reset-link", "iris")
    assert code == 0 and out.strip().startswith("http://127.0.0.1:8000/reset/")
    assert "FLASHPANEL_PUBLIC_URL is not set" in err


def test_set_password_reads_standard_input_and_the_customer_can_log_in(db: Database, settings: Settings) -> None:
    import asyncio

    from flashpanel.api.ratelimit import RateLimits
    from flashpanel.customers import accounts

    run("users", "create", "jack")
    code, _, err = run("users", "set-password", "jack")
    assert code == 1 and "--password-stdin" in err
    code, _, err = run("users", "set-password", "jack", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 8 characters" in err
    code, out, _ = run("users", "set-password", "jack", "--password-stdin", stdin="a long passphrase\n")
    assert code == 0 and "password set" in out

    async def log_in() -> int:
        limits = RateLimits(settings)
        try:
            return await accounts.log_in(
                db,
                login="jack",
                password="a long passphrase",
                client_ip="192.0.2.1",
                per_account=limits.login_account,
                per_ip=limits.login_ip,
            )
        finally:
            await limits.close()

    customer_id = asyncio.run(log_in())
    assert customer_id == _customer(db, "jack")["id"]
