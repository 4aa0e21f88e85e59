"""``flashpanel otp``: the operator's catalog commands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashpanel.db.runner import Database, now
from flashpanel.otp import catalog
from tests.helpers import run_cli

pytestmark = pytest.mark.usefixtures("cli_env")


def run(*args: str) -> tuple[int, str, str]:
    return run_cli("otp", *args)


def _service(db: Database, code: str) -> dict[str, object]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM otp_services WHERE code = ?", (code,)))
    assert row is not None
    return dict(row)


def test_countries_add_and_list() -> None:
    assert run("countries", "add", "United States", "us")[0] == 0
    assert run("countries", "add", "United Kingdom", "GB")[0] == 0
    code, out, _ = run("countries", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["ID", "CODE", "NAME", "STATUS"]
    assert lines[1].split() == ["1", "US", "United", "States", "active"]
    assert "GB" in lines[2]


def test_services_add_list_update_disable(db: Database) -> None:
    run("countries", "add", "United States", "US")
    code, out, _ = run("services", "add", "US", "WhatsApp", "wa", "--price", "350")
    assert code == 0 and "added service 1" in out
    assert "service 1 has no provider: it is not listed or sold until one is mapped" in out
    assert _service(db, "wa")["price_cents"] == 35000
    assert run("services", "update", "1", "--price", "400.50", "--name", "Chat App")[0] == 0
    row = _service(db, "wa")
    assert row["price_cents"] == 40050 and row["name"] == "Chat App"
    assert run("services", "disable", "1")[0] == 0
    assert _service(db, "wa")["active"] in (False, 0)
    code, out, _ = run("services", "list", "--country", "US")
    assert code == 0
    assert any(
        "wa" in line and "400.50" in line and "none (not sold)" in line and "disabled" in line
        for line in out.splitlines()
    )
    assert run("services", "update", "1", "--enable")[0] == 0
    assert _service(db, "wa")["active"] in (True, 1)


def test_services_map_lists_the_provider_count(db: Database) -> None:
    run("countries", "add", "United States", "US")
    run("services", "add", "1", "WhatsApp", "wa", "--price", "350")
    db.write_sync(
        lambda c: c.execute(
            "INSERT INTO providers (name, kind, active, created_at) VALUES ('up', 'sms-activate', ?, ?)", (True, now())
        )
    )
    code, _, err = run("services", "map", "1", "up", "--upstream-country", "187", "--upstream-service", "wa")
    assert code == 0, err
    row = db.read_sync(lambda c: c.one("SELECT * FROM otp_service_providers"))
    assert row is not None and (row["upstream_country"], row["upstream_service"]) == ("187", "wa")
    _, out, _ = run("services", "list")
    assert out.strip().splitlines()[1].split()[5] == "1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("countries", "add", "Nowhere", "XYZ"), "2 letters"),
        (("countries", "add", "Again", "US"), "already exists"),
        (("services", "add", "ZZ", "Chat", "c", "--price", "1"), "no country"),
        (("services", "add", "US", "Chat", "c", "--price", "abc"), "must be a number"),
        (("services", "add", "US", "Chat", "c", "--price", "-1"), "must not be negative"),
        (("services", "add", "US", "Chat", "c", "--price", "1.001"), "more than 2 decimal places"),
        (("services", "update", "99", "--price", "1"), "no otp service"),
        (("services", "update", "1"), "nothing to update"),
        (("services", "disable", "99"), "no otp service"),
        (("services", "map", "1", "nobody", "--upstream-country", "1", "--upstream-service", "x"), "no provider"),
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_message(db: Database, args: tuple[str, ...], message: str) -> None:
    db.write_sync(catalog.add_country, name="United States", code="US")
    db.write_sync(catalog.add_service, country="US", name="WhatsApp", code="wa", price=Decimal(350))
    code, _, err = run(*args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0].lower(), err


def test_demo_seed_adds_three_countries_with_services_once(db: Database) -> None:
    from flashpanel.otp import demo

    db.write_sync(demo.seed)
    db.write_sync(demo.seed)
    counts = db.read_sync(
        lambda c: c.all("SELECT country_id, COUNT(*) AS n FROM otp_services GROUP BY country_id ORDER BY country_id")
    )
    assert len(counts) >= 3 and all(int(r["n"]) >= 2 for r in counts)


def test_services_map_the_simulator_by_name_and_unmap_it(db: Database) -> None:
    run("countries", "add", "United States", "US")
    run("services", "add", "US", "WhatsApp", "wa", "--price", "350")
    code, _, err = run("services", "map", "1", "simulator", "--upstream-country", "US", "--upstream-service", "wa")
    assert code == 0, err
    mapped = db.read_sync(
        lambda c: c.one("SELECT p.kind FROM otp_service_providers m JOIN providers p ON p.id = m.provider_id")
    )
    assert mapped is not None and mapped["kind"] == "simulator"
    assert run("services", "unmap", "1", "simulator")[0] == 0
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM otp_service_providers")) == 0
    code, _, err = run("services", "unmap", "1", "simulator")
    assert code == 1 and "does not sell service 1" in err
