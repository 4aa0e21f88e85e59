"""SMM services added by hand and edited from the catalog page: the CLI's rules and words, owner-only,
audited (refusals too), a form sent twice acting once."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.db.runner import Conn, Database, now
from flashpanel.providers.sale import simulator_id
from tests.admin.support import csrf, enrol_and_log_in, form_values, make_operator

ADD = "/admin/catalog/smm-services"
NEW_SERVICE = {
    "name": "Hand Followers",
    "category": "Instagram",
    "provider": "simulator",
    "upstream_service": "42",
    "rate": "612.50",
    "min_quantity": "50",
    "max_quantity": "20000",
    "refill": "yes",
    "dripfeed": "yes",
    "active": "yes",
}
SWITCHES = ("refill", "cancel", "dripfeed", "active")  # checkboxes: an unticked one is not sent


def _services(db: Database) -> list[dict[str, object]]:
    rows = db.read_sync(
        lambda c: c.all(
            "SELECT s.name, s.category, s.type, s.rate_cents, s.min_quantity, s.max_quantity, s.upstream_service, "
            "s.refill, s.cancel, s.dripfeed, s.active, p.name AS provider "
            "FROM smm_services s LEFT JOIN providers p ON p.id = s.provider_id ORDER BY s.id"
        )
    )
    return [{**row, **{k: bool(row[k]) for k in ("refill", "cancel", "dripfeed", "active")}} for row in rows]


def _backup_provider(conn: Conn) -> None:
    conn.execute(
        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
        "VALUES ('backup', 'smm-v2', 'https://backup.example', NULL, 'USD', '1', ?, ?)",
        (True, now()),
    )


async def _owner(client: httpx.AsyncClient, db: Database) -> None:
    db.write_sync(simulator_id)  # the provider the forms offer
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")


async def _send(client: httpx.AsyncClient, path: str, **fields: str) -> str:
    """Post the form to ``path`` as the catalog page shows it, with ``fields`` typed in (switches given
    as "" are unticked); returns the page after the redirect."""
    form = {**form_values((await client.get("/admin/catalog")).text, path), **fields}
    response = await client.post(path, data={k: v for k, v in form.items() if v != "" or k not in SWITCHES})
    assert response.status_code == 303, response.text
    return (await client.get("/admin/catalog")).text


async def test_an_owner_adds_an_smm_service_by_hand_and_it_is_listed_and_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _owner(client, db)
    page = await _send(client, ADD, **NEW_SERVICE)
    assert "SMM service 1 Hand Followers added." in page and "#1 Hand Followers" in page
    assert _services(db) == [
        {
            "name": "Hand Followers",
            "category": "Instagram",
            "type": "Default",
            "rate_cents": 61250,
            "min_quantity": 50,
            "max_quantity": 20000,
            "upstream_service": "42",
            "refill": True,
            "cancel": False,
            "dripfeed": True,
            "active": True,
            "provider": "simulator",
        }
    ]
    [audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.add"))
    assert (audit.actor, audit.object_id, audit.outcome) == ("olu", "1", "done")
    saved = json.loads(audit.after or "{}")
    assert (saved["rate_cents"], saved["provider"], saved["refill"], saved["cancel"]) == (
        61250, "simulator", True, False,
    )


async def test_an_smm_service_added_without_a_provider_or_switched_off_is_not_sold(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _owner(client, db)
    page = await _send(client, ADD, **{**NEW_SERVICE, "provider": "", "upstream_service": "", "active": ""})
    assert "It is not sold until a provider is set." in page
    [service] = _services(db)
    assert (service["provider"], service["upstream_service"], service["active"]) == (None, None, False)


async def test_the_add_form_sent_twice_creates_one_service(client: httpx.AsyncClient, db: Database) -> None:
    await _owner(client, db)
    form = {**form_values((await client.get("/admin/catalog")).text, ADD), **NEW_SERVICE}
    first, second = await client.post(ADD, data=form), await client.post(ADD, data=form)
    assert (first.status_code, second.status_code) == (303, 303)
    assert "already submitted" in (await client.get("/admin/catalog")).text
    assert len(_services(db)) == 1
    outcomes = [r.outcome for r in db.read_sync(entries, flt=AuditFilter(action="catalog.smm.add"))]
    assert sorted(outcomes) == ["done", "refused"]


async def test_bad_smm_services_are_refused_with_the_rule_broken_and_add_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _owner(client, db)
    cases = [
        ({"min_quantity": "100", "max_quantity": "10"}, "max must not be below min"),
        ({"rate": "-1"}, "Rate must not be negative"),
        ({"rate": "0"}, "rate must be more than 0"),
        ({"rate": "12.345"}, "more than 2 decimal places"),
        ({"provider": "nobody"}, "No provider named &#39;nobody&#39;"),
        ({"min_quantity": "ten"}, "Min must be a whole number"),
        ({"name": " "}, "name must not be empty"),
        ({"name": "x" * 201}, "name must be at most 200 characters"),
        ({"upstream_service": "9" * 65}, "service id must be at most 64 characters"),
        ({"max_quantity": "2147483648"}, "max must be at most 2147483647"),
    ]
    for typed, message in cases:
        page = await _send(client, ADD, **{**NEW_SERVICE, **typed})
        assert message in page, typed
    assert _services(db) == []
    await _send(client, ADD, **NEW_SERVICE)
    page = await _send(client, ADD, **{**NEW_SERVICE, "rate": "700"})
    assert "service 1 is already named &#39;Hand Followers&#39; in &#39;Instagram&#39;" in page
    assert len(_services(db)) == 1
    refused = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.add", outcome="refused"))
    assert len(refused) == len(cases) + 1 and all(r.actor == "olu" for r in refused)
    assert "x" * 64 in {r.object_id for r in refused}  # a name too long for the row is cut to the column


async def test_an_owner_edits_an_smm_services_name_category_provider_and_switches_and_only_changes_are_audited(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    smm_order("ada")  # service 1: Test Followers in Test Social, 500.00, 100-10000, on the simulator
    db.write_sync(_backup_provider)
    await _owner(client, db)
    page = (await client.get("/admin/catalog")).text
    for label in ("Name of", "Provider of", "Refills allowed for"):
        assert f">{label} #1 Test Followers</label>" in page
    edit = "/admin/catalog/smm/1"
    changes = {"name": "Followers HQ", "category": "Instagram", "provider": "backup", "upstream_service": "77"}
    page = await _send(client, edit, **changes, refill="yes", dripfeed="yes")
    assert "SMM service 1 saved." in page and "#1 Followers HQ" in page
    [service] = _services(db)
    assert {k: service[k] for k in (*changes, "refill", "cancel", "dripfeed", "rate_cents", "active")} == {
        **changes,
        "refill": True,
        "cancel": False,
        "dripfeed": True,
        "rate_cents": 50000,
        "active": True,
    }
    [audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.update"))
    assert json.loads(audit.before or "{}") == {
        "name": "Test Followers",
        "category": "Test Social",
        "provider": "simulator",
        "upstream_service": None,
        "refill": False,
        "dripfeed": False,
    }
    assert json.loads(audit.after or "{}") == {**changes, "refill": True, "dripfeed": True}

    await _send(client, edit, rate="612.50", min_quantity="20", max_quantity="5000", refill="", status="disabled")
    [service] = _services(db)
    assert (service["rate_cents"], service["min_quantity"], service["max_quantity"]) == (61250, 20, 5000)
    assert (service["refill"], service["dripfeed"], service["active"]) == (False, True, False)
    latest = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.update"))[0]
    assert json.loads(latest.before or "{}") == {
        "rate_cents": 50000,
        "min_quantity": 100,
        "max_quantity": 10000,
        "refill": True,
        "active": True,
    }


async def test_a_bad_smm_service_edit_is_refused_with_the_rule_broken_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    smm_order("ada")
    await _owner(client, db)
    await _send(client, ADD, **{**NEW_SERVICE, "category": "Test Social"})  # service 2, beside service 1
    edit = "/admin/catalog/smm/1"
    for typed, message in (
        ({"min_quantity": "100", "max_quantity": "10"}, "max must not be below min"),
        ({"provider": "nobody"}, "No provider named &#39;nobody&#39;"),
        ({"name": "Hand Followers"}, "service 2 is already named &#39;Hand Followers&#39; in &#39;Test Social&#39;"),
        ({"category": ""}, "category must not be empty"),
    ):
        page = await _send(client, edit, **typed)
        assert message in page, typed
    form = form_values((await client.get("/admin/catalog")).text, edit)
    assert (await client.post("/admin/catalog/smm/999", data=form)).status_code == 303
    assert "No SMM service 999" in (await client.get("/admin/catalog")).text
    assert _services(db)[0]["name"] == "Test Followers" and _services(db)[0]["max_quantity"] == 10000
    refused = db.read_sync(entries, flt=AuditFilter(action="catalog.smm.update", outcome="refused"))
    assert sorted(r.object_id or "" for r in refused) == ["1", "1", "1", "1", "999"]


async def test_a_support_operator_is_refused_adding_and_editing_smm_services_and_both_are_audited(
    client: httpx.AsyncClient, db: Database, smm_order: Callable[..., int]
) -> None:
    smm_order("ada")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = (await client.get("/admin/catalog")).text
    assert "Add SMM service" not in page and "Rate of #" not in page  # the forms are for owners
    token = await csrf(client, "/admin/catalog")
    add = {"_csrf_token": token, "request_id": "r-1", **NEW_SERVICE}
    assert (await client.post(ADD, data=add)).status_code == 303
    edit = {"_csrf_token": token, "request_id": "r-2", "name": "Mine", "category": "C", "rate": "1"}
    edit |= {"min_quantity": "1", "max_quantity": "2", "status": "active"}
    assert (await client.post("/admin/catalog/smm/1", data=edit)).status_code == 303
    assert [s["name"] for s in _services(db)] == ["Test Followers"]
    refused = db.read_sync(entries, flt=AuditFilter(actor="ngozi", outcome="refused"))
    assert sorted((r.action, r.object_id) for r in refused) == [
        ("catalog.smm.add", "Hand Followers"),
        ("catalog.smm.update", "1"),
    ]
    assert all("may not" in (r.after or "") for r in refused)
