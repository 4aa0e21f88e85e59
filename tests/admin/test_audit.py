"""The audit log: rows, filters, the one-time form id, CSV export, and PostgreSQL refusing changes."""

from __future__ import annotations

import csv
import io

import pytest

from flashpanel.admin import audit
from flashpanel.admin.audit import Actor, AlreadySubmitted, AuditFilter
from flashpanel.db.runner import Database
from tests.conftest import POSTGRES_URL

OLU = Actor(name="olu", role="owner", address="192.0.2.7")


def test_rows_are_filtered_by_actor_action_object_and_outcome(db: Database) -> None:
    db.write_sync(audit.record, actor=OLU, action="wallet.adjust", object_kind="customer", object_id=1, note="a")
    db.write_sync(audit.record, actor=OLU, action="customer.disable", object_kind="customer", object_id=2)
    db.write_sync(
        audit.record,
        actor=Actor("ngozi", "support"),
        action="wallet.adjust",
        object_kind="customer",
        object_id=1,
        outcome="refused",
    )
    assert [r.object_id for r in db.read_sync(audit.entries, flt=AuditFilter(actor="olu"))] == ["2", "1"]
    refused = db.read_sync(audit.entries, flt=AuditFilter(outcome="refused"))
    assert [(r.actor, r.action) for r in refused] == [("ngozi", "wallet.adjust")]
    [row] = db.read_sync(audit.entries, flt=AuditFilter(object_kind="customer", object_id="1", actor="olu"))
    assert (row.note, row.address) == ("a", "192.0.2.7")


def test_a_form_id_is_recorded_once_and_its_second_use_rolls_the_unit_back(db: Database) -> None:
    db.write_sync(audit.record, actor=OLU, action="x", request_id="form-1")

    def again(conn: object) -> None:
        audit.record(conn, actor=OLU, action="x", request_id="form-1")  # type: ignore[arg-type]

    with pytest.raises(AlreadySubmitted):
        db.write_sync(again)
    assert len(db.read_sync(audit.entries, flt=AuditFilter())) == 1


def test_the_csv_export_has_every_column_and_defuses_spreadsheet_formulas(db: Database) -> None:
    db.write_sync(audit.record, actor=OLU, action="wallet.adjust", after={"balance": "5.00"}, note="=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(db.read_sync(audit.export_csv, flt=AuditFilter()))))
    assert rows[0] == list(audit.CSV_HEADER)
    assert rows[1][2:4] == ["olu", "wallet.adjust"]
    assert rows[1][7] == '{"balance": "5.00"}'
    assert rows[1][8] == "'=HYPERLINK(1)"


@pytest.mark.skipif(not POSTGRES_URL, reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("statement", ["UPDATE audit_log SET note = 'changed'", "DELETE FROM audit_log"])
def test_postgresql_refuses_to_update_or_delete_an_audit_row(db: Database, statement: str) -> None:
    db.write_sync(audit.record, actor=OLU, action="wallet.adjust", note="kept")
    with pytest.raises(Exception, match="append-only"):
        db.write_sync(lambda conn: conn.execute(statement))
    [row] = db.read_sync(audit.entries, flt=AuditFilter())
    assert row.note == "kept"


def test_no_code_path_updates_or_deletes_an_audit_row() -> None:
    import re
    from pathlib import Path

    import flashpanel

    pattern = re.compile(r"(UPDATE\s+audit_log|DELETE\s+FROM\s+audit_log)", re.IGNORECASE)
    root = Path(flashpanel.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []
