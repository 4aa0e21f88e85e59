"""The operator CLI: ``flashpanel providers ...``, ``smm services import-from`` and ``dev fake-upstream``."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Database
from flashpanel.providers.fakes import FakeSmmPanel, FakeSmsActivate
from flashpanel.providers.sale import simulator_id
from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("cli_env")


def test_add_list_disable(db: Database) -> None:
    code, out, _ = run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", "https://jap.test/api/v2",
                       "--key", "secret-key-1", "--exchange-rate", "1550.5")  # fmt: skip
    assert code == 0 and "jap" in out and "secret-key-1" not in out
    stored = db.read_sync(lambda c: c.one("SELECT * FROM providers WHERE name = 'jap'"))
    assert (
        stored is not None and stored["exchange_rate"] == "1550.5" and "secret-key-1" not in stored["api_key_encrypted"]
    )
    code, out, _ = run_cli("providers", "list")
    assert code == 0 and "jap" in out and "smm-v2" in out and "1550.5" in out and "secret-key-1" not in out
    assert run_cli("providers", "disable", "jap")[0] == 0
    assert "disabled" in run_cli("providers", "list")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--kind", "ftp", "--url", "https://x.test", "--key", "k"], "kind"),
     (["--kind", "smm-v2", "--url", "https://x.test", "--key", "k", "--exchange-rate", "abc"], "exchange rate")],
)  # fmt: skip
def test_add_refuses_bad_input(args: list[str], message: str) -> None:
    code, _, err = run_cli("providers", "add", "x", *args)
    assert code == 1 and message in err


def test_unknown_provider_is_one_line_error() -> None:
    code, _, err = run_cli("providers", "balance", "nope")
    assert code == 1 and "not found" in err


def test_balance_asks_each_kind_of_upstream(panel: FakeSmmPanel, panel_url: str) -> None:
    panel.configure(balance="100.84292")
    run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", panel_url, "--key", panel.api_key)
    code, out, _ = run_cli("providers", "balance", "jap")
    assert code == 0 and out.strip() == "jap: 100.84292 USD"
    run_cli("providers", "add", "bad", "--kind", "smm-v2", "--url", panel_url, "--key", "wrong")
    code, _, err = run_cli("providers", "balance", "bad")
    assert code == 1 and "Invalid API key" in err


def test_balance_of_a_number_provider(sms_fake: FakeSmsActivate, sms_url: str) -> None:
    run_cli("providers", "add", "hero", "--kind", "sms-activate", "--url", sms_url, "--key", sms_fake.api_key)
    code, out, _ = run_cli("providers", "balance", "hero")
    assert code == 0 and out.strip() == "hero: 10.00 USD"


def test_import_from_creates_services_with_the_markup(db: Database, panel: FakeSmmPanel, panel_url: str) -> None:
    run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", panel_url, "--key", panel.api_key)
    code, out, err = run_cli("smm", "services", "import-from", "jap", "--markup", "25")
    assert code == 0, err
    assert "3 created" in out
    rows = db.read_sync(lambda c: c.all("SELECT upstream_service, rate_cents, cost_rate FROM smm_services"))
    assert {r["upstream_service"]: (r["rate_cents"], r["cost_rate"]) for r in rows} == {
        "1": (113, "0.9"),  # 1.125 -> 1.13
        "2": (35, "0.27819"),
        "3": (188, "1.5"),  # 1.875 -> 1.88
    }
    code, out, _ = run_cli("smm", "services", "import-from", "jap", "--category", "YouTube")
    assert code == 0 and "1 updated" in out


def test_import_from_refuses_bad_markup_and_number_providers(sms_url: str) -> None:
    run_cli("providers", "add", "hero", "--kind", "sms-activate", "--url", sms_url, "--key", "k")
    assert run_cli("smm", "services", "import-from", "hero")[0] == 1
    code, _, err = run_cli("smm", "services", "import-from", "hero", "--markup", "-3")
    assert code == 1 and "markup" in err


def test_import_from_an_unreachable_upstream_fails_cleanly() -> None:
    run_cli("providers", "add", "gone", "--kind", "smm-v2", "--url", "http://127.0.0.1:9/api/v2", "--key", "k")
    code, _, err = run_cli("smm", "services", "import-from", "gone")
    assert code == 1 and "gone" in err


def test_dev_fake_upstream_serves_the_chosen_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    code, out, _ = run_cli("dev", "fake-upstream", "smm-v2", "--port", "9555")
    assert code == 0 and "http://127.0.0.1:9555/api/v2" in out and "providers add" in out
    assert isinstance(served["app"], FakeSmmPanel) and served["port"] == 9555
    code, out, _ = run_cli("dev", "fake-upstream", "sms-activate", "--port", "9556", "--key", "k2")
    assert isinstance(served["app"], FakeSmsActivate) and served["app"].api_key == "k2"
    assert "/stubs/handler_api.php" in out


def test_add_reads_the_key_from_stdin_and_warns_about_plain_http(db: Database) -> None:
    code, out, err = run_cli(
        "providers", "add", "local", "--kind", "smm-v2", "--url", "http://10.0.0.5/api/v2", "--key-stdin",
        stdin="key-from-stdin\n",
    )  # fmt: skip
    assert code == 0 and "key-from-stdin" not in out + err, err
    assert "warning: http://10.0.0.5/api/v2 is plain http://" in err
    stored = db.read_sync(lambda c: c.one("SELECT api_key_encrypted FROM providers WHERE name = 'local'"))
    assert stored is not None and "key-from-stdin" not in stored["api_key_encrypted"]
    code, _, err = run_cli("providers", "add", "x", "--kind", "smm-v2", "--url", "https://x.test", "--key-stdin",
                           stdin="\n")  # fmt: skip
    assert code == 1 and "no API key on standard input" in err
    code, _, err = run_cli("providers", "add", "y", "--kind", "smm-v2", "--url", "https://y.test")
    assert code == 1 and "--key-stdin" in err


def test_update_changes_the_url_and_the_key_without_showing_it(
    db: Database, settings: Settings, panel: FakeSmmPanel, panel_url: str
) -> None:
    run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", "https://old.test/api/v2", "--key", "old-key")
    code, out, err = run_cli("providers", "update", "jap", "--url", panel_url, "--key-stdin", stdin=panel.api_key)
    assert code == 0 and "url and API key updated" in out and panel.api_key not in out, err
    assert "warning" in err  # the fake serves plain http on loopback
    row = db.read_sync(lambda c: c.one("SELECT url, api_key_encrypted FROM providers WHERE name = 'jap'"))
    assert row is not None and row["url"] == panel_url
    assert open_secret_box(settings.secret_key_file).decrypt(row["api_key_encrypted"]) == panel.api_key
    code, out, _ = run_cli("providers", "balance", "jap")  # the new address and key are used
    assert code == 0 and out.startswith("jap: 100")
    assert run_cli("providers", "update", "jap", "--url", "https://new.test/v2")[2] == ""  # https: no warning


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nope", "--url", "https://x.test"], "not found"),
     (["jap"], "nothing to change"),
     (["jap", "--url", "ftp://x.test"], "url must start with"),
     (["simulator", "--url", "https://x.test"], "built-in simulator")],
)  # fmt: skip
def test_update_refuses_bad_input_with_one_line(db: Database, args: list[str], message: str) -> None:
    run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", "https://old.test/api/v2", "--key", "k")
    db.write_sync(simulator_id)
    code, _, err = run_cli("providers", "update", *args)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_the_simulator_name_is_reserved() -> None:
    code, _, err = run_cli("providers", "add", "simulator", "--kind", "smm-v2", "--url", "https://x.test", "--key", "k")
    assert code == 1 and "reserved" in err


def test_import_from_a_hostile_upstream_reports_the_bad_service_and_imports_the_rest(
    db: Database, panel: FakeSmmPanel, panel_url: str
) -> None:
    run_cli("providers", "add", "jap", "--kind", "smm-v2", "--url", panel_url, "--key", panel.api_key)
    panel.hostile("overflow")  # min and max past 64 bits (and a rate that is one too)
    code, out, err = run_cli("smm", "services", "import-from", "jap")
    assert code == 0, err
    assert "3 created" in out and "1 unreadable" in out
    assert "skipped upstream service '666': out of range" in err
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM smm_services")) == 3
