"""``flashpanel smm``: the operator's catalog and order commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Database
from flashpanel.smm import demo as smm_demo
from flashpanel.smm import service
from flashpanel.smm.lifecycle import apply_transition
from tests.helpers import run_cli
from tests.smm.support import balance_of, ledger_rows, order_row

pytestmark = pytest.mark.usefixtures("cli_env")


run = run_cli


def services(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in db.read_sync(lambda c: c.all("SELECT * FROM smm_services ORDER BY id"))]


def place(db: Database, key: str, service_id: int, quantity: int = 1000) -> int:
    placed = db.write_sync(
        service.place_order,
        key_digest=key_digest(key),
        service_id=service_id,
        link="https://e.com/x",
        quantity=quantity,
        simulators=True,
    )
    return int(placed["order_id"])


def test_services_add_list_update_disable(db: Database) -> None:
    code, out, _ = run(
        "smm", "services", "add", "--name", "Likes", "--category", "Social", "--rate", "12.50", "--min", "10",
        "--max", "5000", "--description", "Real-looking likes",
    )  # fmt: skip
    assert code == 0 and "added service 1" in out
    assert "service 1 has no provider: it is not listed or sold until one is mapped" in out
    [row] = services(db)
    assert (row["name"], row["category"], row["rate_cents"], row["min_quantity"], row["max_quantity"]) == (
        "Likes", "Social", 1250, 10, 5000,
    )  # fmt: skip
    assert row["active"] and row["provider_id"] is None

    code, out, _ = run("smm", "services", "list")
    assert code == 0 and "Likes" in out and "12.50" in out and "active" in out and "none (not sold)" in out

    code, _, _ = run("smm", "services", "update", "1", "--rate", "15", "--max", "8000")
    assert code == 0
    [row] = services(db)
    assert (row["rate_cents"], row["max_quantity"], row["name"]) == (1500, 8000, "Likes")

    code, _, _ = run("smm", "services", "disable", "1")
    assert code == 0 and not services(db)[0]["active"]
    code, _, _ = run("smm", "services", "update", "1", "--enable")
    assert code == 0 and services(db)[0]["active"]


def test_services_add_refuses_a_zero_rate_and_a_name_taken_in_its_category_and_can_add_switched_off(
    db: Database,
) -> None:
    add = ("smm", "services", "add", "--category", "Social", "--min", "10", "--max", "500")
    code, _, err = run(*add, "--name", "Free", "--rate", "0")
    assert code != 0 and "rate must be more than 0" in err
    code, out, err = run(*add, "--name", "Likes", "--rate", "1", "--disabled")
    assert code == 0 and "added service 1" in out, err
    code, _, err = run(*add, "--name", "Likes", "--rate", "2")
    assert code != 0 and "service 1 is already named 'Likes' in 'Social'" in err
    code, _, err = run(*add, "--name", "Likes", "--rate", "2", "--category", "Other")  # another category: allowed
    assert code == 0, err
    assert [(r["category"], bool(r["active"])) for r in services(db)] == [("Social", False), ("Other", True)]
    code, _, err = run("smm", "services", "update", "2", "--category", "Social")
    assert code != 0 and "service 1 is already named 'Likes' in 'Social'" in err


def test_services_say_whether_they_allow_refill_cancel_and_drip_feed(db: Database, tmp_path: Path) -> None:
    code, _, err = run(
        "smm", "services", "add", "--name", "Plays", "--category", "Audio", "--rate", "3", "--min", "100",
        "--max", "9000", "--refill", "--dripfeed",
    )  # fmt: skip
    assert code == 0, err
    flags = ("refill", "cancel", "dripfeed")
    assert [services(db)[0][f] for f in flags] == [True, False, True]
    code, out, _ = run("smm", "services", "list")
    assert "refill,dripfeed" in out
    code, _, err = run("smm", "services", "update", "1", "--no-refill", "--cancel")
    assert code == 0, err
    assert [bool(services(db)[0][f]) for f in flags] == [False, True, True]  # --dripfeed kept
    csv_file = tmp_path / "flags.csv"
    csv_file.write_text(
        "name,category,rate,min,max,refill,cancel\nSaves,Audio,2,10,100,yes,0\nPlays,Audio,3,100,9000,,no\n"
    )
    code, out, err = run("smm", "services", "import", str(csv_file))
    assert code == 0 and "1 created, 1 updated" in out, err
    assert [[bool(r[f]) for f in flags] for r in services(db)] == [[False, False, True], [True, False, False]]
    csv_file.write_text("name,category,rate,min,max,refill\nSaves,Audio,2,10,100,maybe\n")
    code, _, err = run("smm", "services", "import", str(csv_file))
    assert code != 0 and "refill must be true or false" in err


def test_services_import_csv_then_json_creates_and_updates(db: Database, tmp_path: Path) -> None:
    csv_file = tmp_path / "catalog.csv"
    csv_file.write_text(
        "name,category,rate,min,max,description\n"
        "Followers,Social,500,100,10000,Good ones\n"
        "Views,Video,5.25,500,100000,\n"
    )
    code, out, err = run("smm", "services", "import", str(csv_file))
    assert code == 0, err
    assert "2 created, 0 updated" in out
    json_file = tmp_path / "catalog.json"
    json_file.write_text(
        json.dumps([{"name": "Followers", "category": "Social", "rate": "450"}, {"id": 2, "max": 5000}])
    )
    code, out, err = run("smm", "services", "import", str(json_file))
    assert code == 0, err
    assert "0 created, 2 updated" in out
    rows = services(db)
    assert [(r["name"], r["rate_cents"], r["max_quantity"]) for r in rows] == [
        ("Followers", 45000, 10000),
        ("Views", 525, 5000),
    ]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("name,category,rate,min,max\nA,B,abc,1,10\n", ".csv", "row 1: rate"),
        ("name,category,rate,min,max\nA,B,1,1,10\nC,D,1,50,10\n", ".csv", "row 2: max must not be below min"),
        ("name,category,rate,min,max\nA,B,1.005,1,10\n", ".csv", "more than 2 decimal places"),
        ("name,colour\nA,red\n", ".csv", "unknown CSV column"),
        ('[{"name": "A"}]', ".json", "row 1: missing category, rate, min, max"),
        ("{not json", ".json", "not valid JSON"),
        ('[{"id": 99, "rate": "1"}]', ".json", "row 1: no smm service 99"),
    ],
)
def test_a_bad_import_exits_non_zero_with_one_line_and_imports_nothing(
    db: Database, tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"catalog{suffix}"
    path.write_text(content)
    code, _, err = run("smm", "services", "import", str(path))
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and message.lower() in err.lower()
    assert services(db) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("smm", "services", "add", "--name", "X", "--category", "C", "--rate", "abc", "--min", "1", "--max", "2"),
            "rate",
        ),
        (
            ("smm", "services", "add", "--name", "X", "--category", "C", "--rate", "1", "--min", "5", "--max", "2"),
            "max",
        ),
        (
            ("smm", "services", "add", "--name", " ", "--category", "C", "--rate", "1", "--min", "1", "--max", "2"),
            "name",
        ),
        (("smm", "services", "update", "42", "--rate", "1"), "no smm service 42"),
        (("smm", "services", "update", "1"), "nothing to change"),
        (("smm", "services", "disable", "42"), "no smm service 42"),
        (("smm", "services", "import", "/nonexistent/catalog.csv"), "cannot read"),
        (("smm", "orders", "cancel", "42"), "no smm order 42"),
        (("smm", "orders", "set-status", "42", "completed"), "no smm order 42"),
        (("smm", "orders", "list", "--status", "weird"), "unknown status"),
        (("smm", "orders", "list", "--user", "nobody"), "no customer named"),
    ],
)
def test_bad_input_exits_non_zero_with_a_one_line_message(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and message.lower() in err.lower(), err


def test_orders_list_filters_by_user_and_status(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    service_id = add_service(rate="1")
    alice, bob = make_customer("alice", balance="100"), make_customer("bob", balance="100")
    first = place(db, alice, service_id)
    place(db, bob, service_id)
    db.write_sync(apply_transition, order_id=first, expected="pending", target="completed")
    code, out, _ = run("smm", "orders", "list", "--user", "alice")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2 and "alice" in lines[1] and "completed" in lines[1]
    code, out, _ = run("smm", "orders", "list", "--status", "pending")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2 and "bob" in lines[1]


def test_orders_cancel_refunds_the_whole_charge_once(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = place(db, key, add_service(rate="500"))
    code, out, _ = run("smm", "orders", "cancel", str(order_id))
    assert code == 0 and "refunded 500.00" in out
    code, _, err = run("smm", "orders", "cancel", str(order_id))
    assert code != 0 and "cannot go from cancelled to cancelled" in err
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 50000)]
    assert balance_of(db, key) == 50000


def test_orders_set_status_partial_refunds_the_remains(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    key = make_customer(balance="500")
    order_id = place(db, key, add_service(rate="500"))
    code, _, err = run("smm", "orders", "set-status", str(order_id), "partial")
    assert code != 0 and "--remains" in err
    code, out, _ = run("smm", "orders", "set-status", str(order_id), "in_progress", "--remains", "800")
    assert code == 0
    code, out, _ = run("smm", "orders", "set-status", str(order_id), "partial", "--remains", "300")
    assert code == 0 and "refunded 150.00" in out
    row = order_row(db, order_id)
    assert (row["status"], row["remains"], row["refunded_cents"]) == ("partial", 300, 15000)
    code, _, err = run("smm", "orders", "set-status", str(order_id), "pending")
    assert code != 0 and "cannot go from partial to pending" in err
    assert ledger_rows(db, order_id) == [("charge", -50000), ("refund", 15000)]


def test_an_order_being_submitted_cannot_be_cancelled_by_the_operator(
    db: Database, make_customer: Callable[..., str], add_service: Callable[..., int]
) -> None:
    import time

    from flashpanel.smm.fulfilment import claim_for_submission

    key = make_customer(balance="500")
    order_id = place(db, key, add_service(rate="500"))
    db.write_sync(claim_for_submission, at=time.time())
    code, _, err = run("smm", "orders", "cancel", str(order_id))
    assert code != 0 and "being submitted" in err
    assert ledger_rows(db, order_id) == [("charge", -50000)]


def test_demo_seed_adds_the_smm_demo_catalog_once(db: Database) -> None:
    for _ in range(2):
        db.write_sync(smm_demo.seed)
    rows = services(db)
    assert len(rows) >= 4 and len({r["category"] for r in rows}) >= 2
    assert all(str(r["name"]).startswith("Demo ") for r in rows)
    assert len({r["name"] for r in rows}) == len(rows)


def test_services_are_bound_to_the_simulator_only_when_asked(db: Database) -> None:
    code, out, err = run(
        "smm", "services", "add", "--name", "Sim", "--category", "Test", "--rate", "1", "--min", "1", "--max", "9",
        "--provider", "simulator",
    )  # fmt: skip
    assert code == 0 and "no provider" not in out, err
    bound = db.read_sync(
        lambda c: c.one("SELECT p.name, p.kind FROM smm_services s JOIN providers p ON p.id = s.provider_id")
    )
    assert bound is not None and (bound["name"], bound["kind"]) == ("simulator", "simulator")
    assert "simulator" in run("smm", "services", "list")[1]
    run("smm", "services", "add", "--name", "Later", "--category", "Test", "--rate", "1", "--min", "1", "--max", "9")
    assert run("smm", "services", "update", "2", "--provider", "simulator")[0] == 0
    assert len(db.read_sync(lambda c: c.all("SELECT id FROM providers"))) == 1  # one simulator row, reused
