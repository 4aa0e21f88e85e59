"""The operator CLI: ``flashpanel providers ...``, ``smm services import-from`` and ``dev fake-upstream``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from flashpanel.cli import dev
from flashpanel.cli.providers import app as providers_app
from flashpanel.cli.smm_import import import_from
from flashpanel.config import Settings, get_settings
from flashpanel.db.runner import Database
from flashpanel.providers.fakes import FakeSmmPanel, FakeSmsActivate

runner = CliRunner()
import_app = typer.Typer()
import_app.command("import-from")(import_from)
import_app.command("unused")(lambda: None)  # two commands: typer then expects the command name
dev_root = typer.Typer()
dev_root.add_typer(dev.app, name="dev")


@pytest.fixture(autouse=True)
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FLASHPANEL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FLASHPANEL_SECRET_KEY_FILE", str(settings.secret_key_file))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_disable(db: Database) -> None:
    code, out, _ = run(providers_app, "add", "jap", "--kind", "smm-v2", "--url", "https://jap.test/api/v2",
                       "--key", "secret-key-1", "--exchange-rate", "1550.5")  # fmt: skip
    assert code == 0 and "jap" in out and "secret-key-1" not in out
    stored = db.read_sync(lambda c: c.one("SELECT * FROM providers WHERE name = 'jap'"))
    assert (
        stored is not None and stored["exchange_rate"] == "1550.5" and "secret-key-1" not in stored["api_key_encrypted"]
    )
    code, out, _ = run(providers_app, "list")
    assert code == 0 and "jap" in out and "smm-v2" in out and "1550.5" in out and "secret-key-1" not in out
    assert run(providers_app, "disable", "jap")[0] == 0
    assert "disabled" in run(providers_app, "list")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--kind", "ftp", "--url", "https://x.test", "--key", "k"], "kind"),
     (["--kind", "smm-v2", "--url", "https://x.test", "--key", "k", "--exchange-rate", "abc"], "exchange rate")],
)  # fmt: skip
def test_add_refuses_bad_input(args: list[str], message: str) -> None:
    code, _, err = run(providers_app, "add", "x", *args)
    assert code == 1 and message in err


def test_unknown_provider_is_one_line_error() -> None:
    code, _, err = run(providers_app, "balance", "nope")
    assert code == 1 and "not found" in err


def test_balance_asks_each_kind_of_upstream(panel: FakeSmmPanel, panel_url: str) -> None:
    panel.configure(balance="100.84292")
    run(providers_app, "add", "jap", "--kind", "smm-v2", "--url", panel_url, "--key", panel.api_key)
    code, out, _ = run(providers_app, "balance", "jap")
    assert code == 0 and out.strip() == "jap: 100.84292 USD"
    run(providers_app, "add", "bad", "--kind", "smm-v2", "--url", panel_url, "--key", "wrong")
    code, _, err = run(providers_app, "balance", "bad")
    assert code == 1 and "Invalid API key" in err


def test_balance_of_a_number_provider(sms_fake: FakeSmsActivate, sms_url: str) -> None:
    run(providers_app, "add", "hero", "--kind", "sms-activate", "--url", sms_url, "--key", sms_fake.api_key)
    code, out, _ = run(providers_app, "balance", "hero")
    assert code == 0 and out.strip() == "hero: 10.00 USD"


def test_import_from_creates_services_with_the_markup(db: Database, panel: FakeSmmPanel, panel_url: str) -> None:
    run(providers_app, "add", "jap", "--kind", "smm-v2", "--url", panel_url, "--key", panel.api_key)
    code, out, err = run(import_app, "import-from", "jap", "--markup", "25")
    assert code == 0, err
    assert "3 created" in out
    rows = db.read_sync(lambda c: c.all("SELECT upstream_service, rate_cents, cost_rate FROM smm_services"))
    assert {r["upstream_service"]: (r["rate_cents"], r["cost_rate"]) for r in rows} == {
        "1": (113, "0.9"),  # 1.125 -> 1.13
        "2": (35, "0.27819"),
        "3": (188, "1.5"),  # 1.875 -> 1.88
    }
    code, out, _ = run(import_app, "import-from", "jap", "--category", "YouTube")
    assert code == 0 and "1 updated" in out


def test_import_from_refuses_bad_markup_and_number_providers(sms_url: str) -> None:
    run(providers_app, "add", "hero", "--kind", "sms-activate", "--url", sms_url, "--key", "k")
    assert run(import_app, "import-from", "hero")[0] == 1
    code, _, err = run(import_app, "import-from", "hero", "--markup", "-3")
    assert code == 1 and "markup" in err


def test_import_from_an_unreachable_upstream_fails_cleanly() -> None:
    run(providers_app, "add", "gone", "--kind", "smm-v2", "--url", "http://127.0.0.1:9/api/v2", "--key", "k")
    code, _, err = run(import_app, "import-from", "gone")
    assert code == 1 and "gone" in err


def test_dev_fake_upstream_serves_the_chosen_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(dev.uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs))
    code, out, _ = run(dev_root, "dev", "fake-upstream", "smm-v2", "--port", "9555")
    assert code == 0 and "http://127.0.0.1:9555/api/v2" in out and "providers add" in out
    assert isinstance(served["app"], FakeSmmPanel) and served["port"] == 9555
    code, out, _ = run(dev_root, "dev", "fake-upstream", "sms-activate", "--port", "9556", "--key", "k2")
    assert isinstance(served["app"], FakeSmsActivate) and served["app"].api_key == "k2"
    assert "/stubs/handler_api.php" in out
