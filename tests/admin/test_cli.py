"""``flashpanel admins`` and the audit of money moved from the CLI."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.db.runner import Database
from tests.admin.support import OPERATOR_PASSWORD
from tests.helpers import run_cli


@pytest.mark.usefixtures("cli_env")
def test_admins_create_list_disable_and_reset_2fa(db: Database) -> None:
    code, out, _ = run_cli("admins", "create", "Olu", "--role", "owner", "--password-stdin", stdin=OPERATOR_PASSWORD)
    assert code == 0 and "created operator 'olu' (owner)" in out
    code, _, err = run_cli("admins", "create", "ngozi", "--role", "admin", "--password-stdin", stdin=OPERATOR_PASSWORD)
    assert code == 1 and "Role must be one of owner, support" in err
    code, _, err = run_cli("admins", "create", "ngozi", "--role", "support", "--password-stdin", stdin="short")
    assert code == 1 and "at least" in err
    code, out, _ = run_cli("admins", "list")
    assert code == 0 and "olu" in out and "not enrolled" in out and "active" in out
    assert run_cli("admins", "disable", "olu")[0] == 0
    assert "disabled" in run_cli("admins", "list")[1]
    assert run_cli("admins", "enable", "olu")[0] == 0
    code, out, _ = run_cli("admins", "reset-2fa", "olu")
    assert code == 0 and "next log-in enrols a new authenticator" in out
    code, _, err = run_cli("admins", "reset-2fa", "nobody")
    assert code == 1 and "No operator named" in err
    actions = [r.action for r in db.read_sync(entries, flt=AuditFilter(object_kind="operator"))]
    assert actions == ["operator.reset_2fa", "operator.enable", "operator.disable", "operator.create"]
    assert all(r.actor.startswith("cli:") for r in db.read_sync(entries, flt=AuditFilter()))


def test_the_password_prompt_asks_twice(cli_env: None) -> None:
    code, out, _ = run_cli(
        "admins", "create", "olu", "--role", "support", stdin=f"{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n"
    )
    assert code == 0 and "created operator 'olu' (support)" in out


@pytest.mark.usefixtures("cli_env")
def test_money_moved_from_the_cli_is_audited_as_the_system_user(
    db: Database, make_customer: Callable[..., str]
) -> None:
    make_customer("ada", balance="10")
    assert run_cli("users", "topup", "ada", "25", "--note", "bank 1")[0] == 0
    assert run_cli("users", "adjust", "ada", "-5", "--note", "duplicate")[0] == 0
    assert run_cli("users", "adjust", "ada", "-500", "--note", "too much")[0] == 1
    rows = db.read_sync(entries, flt=AuditFilter())
    assert [(r.action, r.note) for r in rows] == [("wallet.adjust", "duplicate"), ("wallet.topup", "bank 1")]
    assert rows[0].actor.startswith("cli:") and rows[0].address is None
    assert rows[0].before == '{"balance": "35.00"}' and '"balance": "30.00"' in (rows[0].after or "")
