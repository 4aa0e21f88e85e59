"""Operators: creation, log-in with a password and a TOTP code, enrolment, replay, disable, 2FA reset."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from flashpanel.admin import operators, totp
from flashpanel.admin.audit import Actor, AuditFilter, entries
from flashpanel.admin.roles import NotPermitted
from flashpanel.api.ratelimit import FailureCounter, RateLimits
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox, open_secret_box
from flashpanel.db.runner import Database
from flashpanel.errors import NotFound, RateLimited, RuleViolation
from tests.admin.support import (
    OPERATOR_PASSWORD,
    TEST_ACTOR,
    csrf,
    enrol_and_log_in,
    form_fields,
    make_operator,
    next_code,
)


@pytest.fixture
def secrets(settings: Settings) -> SecretBox:
    return open_secret_box(settings.secret_key_file)


@dataclass
class Limits:
    per_name: FailureCounter
    per_ip: FailureCounter


@pytest.fixture
def limits(settings: Settings) -> Limits:
    local = RateLimits(settings.model_copy(update={"redis_url": None}))
    return Limits(local.failure_counter("5/minute", "t-name"), local.failure_counter("50/minute", "t-ip"))


async def _log_in(
    db: Database, secrets: SecretBox, limits: Limits, name: str, password: str, code: str = ""
) -> operators.LoginOutcome:
    return await operators.log_in(
        db,
        secrets,
        name=name,
        password=password,
        code=code,
        client_ip="192.0.2.1",
        per_name=limits.per_name,
        per_ip=limits.per_ip,
    )


def _enrol(db: Database, secrets: SecretBox, operator_id: int) -> str:
    secret = db.write_sync(operators.enrolment_secret, operator_id=operator_id, secrets=secrets)
    assert db.write_sync(
        operators.accept_code, operator_id=operator_id, code=totp.current_code(secret), secrets=secrets, confirm=True
    )
    return secret


def test_an_operator_is_created_once_with_a_known_role_and_the_creation_is_audited(db: Database) -> None:
    make_operator(db, "Olu", role="support")
    with pytest.raises(RuleViolation, match="already exists"):
        make_operator(db, "olu")
    with pytest.raises(RuleViolation, match="Role must be"):
        make_operator(db, "ngozi", role="admin")
    [operator] = db.read_sync(operators.list_operators)
    assert (operator.name, operator.role, operator.enrolled) == ("olu", "support", False)
    [row] = db.read_sync(entries, flt=AuditFilter(action="operator.create"))
    assert (row.actor, row.object_id, row.outcome) == ("cli:test", "olu", "done")


def test_an_operator_password_is_at_least_twelve_characters() -> None:
    with pytest.raises(RuleViolation, match="12 characters"):
        operators.check_operator_password("short pass")
    operators.check_operator_password(OPERATOR_PASSWORD)


async def test_the_first_log_in_leads_to_enrolment_and_later_ones_need_the_code(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    operator_id = make_operator(db, "olu")
    first = await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD)
    assert first == operators.LoginOutcome(operator_id=operator_id, needs_enrolment=True)
    secret = _enrol(db, secrets, operator_id)
    with pytest.raises(operators.OperatorLoginFailed):
        await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code="")
    later = await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=next_code(secret))
    assert later.needs_enrolment is False


async def test_a_code_is_accepted_once_even_within_its_thirty_seconds(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    secret = _enrol(db, secrets, make_operator(db, "olu"))
    code = next_code(secret)
    await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=code)
    with pytest.raises(operators.OperatorLoginFailed):
        await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=code)


async def test_a_wrong_password_or_code_is_refused_without_saying_which(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    secret = _enrol(db, secrets, make_operator(db, "olu"))
    with pytest.raises(operators.OperatorLoginFailed, match="Wrong name, password or code"):
        await _log_in(db, secrets, limits, "olu", "not the passphrase", code=next_code(secret))
    with pytest.raises(operators.OperatorLoginFailed, match="Wrong name, password or code"):
        await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code="000000")
    with pytest.raises(operators.OperatorLoginFailed, match="Wrong name, password or code"):
        await _log_in(db, secrets, limits, "nobody", OPERATOR_PASSWORD, code="000000")


async def test_log_ins_are_refused_after_five_failures_for_one_name(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    make_operator(db, "olu")
    for _ in range(5):
        with pytest.raises(operators.OperatorLoginFailed):
            await _log_in(db, secrets, limits, "olu", "wrong passphrase!")
    with pytest.raises(RateLimited):
        await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD)


async def test_a_disabled_operator_cannot_log_in_and_enabling_lets_them_back(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    secret = _enrol(db, secrets, make_operator(db, "olu"))
    db.write_sync(operators.set_operator_active, actor=TEST_ACTOR, name="olu", active=False)
    with pytest.raises(operators.OperatorLoginFailed):
        await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=next_code(secret))
    db.write_sync(operators.set_operator_active, actor=TEST_ACTOR, name="olu", active=True)
    await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=next_code(secret, steps_ahead=1))


async def test_resetting_two_factor_makes_the_next_log_in_enrol_a_new_secret(
    db: Database, secrets: SecretBox, limits: Limits
) -> None:
    operator_id = make_operator(db, "olu")
    old_secret = _enrol(db, secrets, operator_id)
    db.write_sync(operators.reset_two_factor, actor=TEST_ACTOR, name="olu")
    again = await _log_in(db, secrets, limits, "olu", OPERATOR_PASSWORD, code=next_code(old_secret))
    assert again.needs_enrolment is True
    assert db.write_sync(operators.enrolment_secret, operator_id=operator_id, secrets=secrets) != old_secret
    actions = [r.action for r in db.read_sync(entries, flt=AuditFilter(object_id="olu"))]
    assert actions == ["operator.reset_2fa", "operator.create"]


def test_an_unknown_operator_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        db.write_sync(operators.reset_two_factor, actor=TEST_ACTOR, name="nobody")


def test_a_code_matches_its_own_step_and_its_neighbours_only() -> None:
    secret = totp.new_secret()
    at = 1_800_000_000.0
    step = int(at // totp.STEP_SECONDS)
    assert totp.matching_step(secret, totp.current_code(secret, at=at), at=at) == step
    assert totp.matching_step(secret, totp.current_code(secret, at=at + 30), at=at) == step + 1
    assert totp.matching_step(secret, totp.current_code(secret, at=at + 90), at=at) is None
    assert totp.matching_step(secret, totp.current_code(secret, at=at), at=at, after_step=step) is None
    assert totp.matching_step(secret, "12 34", at=at) is None


def test_the_enrolment_qr_code_is_an_inline_svg_of_the_provisioning_uri() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", operator="olu", panel="panel.example")
    assert uri.startswith("otpauth://totp/flashpanel:olu%40panel.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg


def test_only_owners_manage_operators(db: Database) -> None:
    make_operator(db, "olu")
    support = Actor(name="ngozi", role="support")
    with pytest.raises(NotPermitted):
        db.write_sync(operators.set_operator_active, actor=support, name="olu", active=False)
    with pytest.raises(NotPermitted):
        db.write_sync(operators.reset_two_factor, actor=support, name="olu")
    with pytest.raises(NotPermitted):
        db.write_sync(operators.create_operator, actor=support, name="eve", role="owner", password_hash="x")


async def test_an_owner_disables_another_operator_from_the_operators_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/operators")
    assert "Disable ngozi" in page.text and "Disable olu" not in page.text
    fields = form_fields(page.text, "/admin/operators/ngozi/disable")
    assert (await client.post("/admin/operators/ngozi/disable", data=fields)).status_code == 303
    assert db.read_sync(operators.operator_by_name, name="ngozi").active is False


async def test_an_owner_adds_an_operator_from_the_operators_page_once_and_it_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/operators")
    fields = form_fields(page.text, "/admin/operators")
    form = {**fields, "name": "Amaka", "role": "support", "password": OPERATOR_PASSWORD, "password_again": ""}
    mismatch = await client.post("/admin/operators", data={**form, "password_again": "something else entirely"})
    assert mismatch.status_code == 303
    assert "The two passwords do not match" in (await client.get("/admin/operators")).text
    form["password_again"] = OPERATOR_PASSWORD
    first = await client.post("/admin/operators", data=form)
    again = await client.post("/admin/operators", data=form)  # the same form sent twice
    assert first.status_code == again.status_code == 303
    added = db.read_sync(operators.operator_by_name, name="amaka")
    assert added.role == "support" and added.active and not added.enrolled
    created = db.read_sync(entries, flt=AuditFilter(action="operator.create", object_id="amaka"))
    assert sorted((e.actor, e.outcome) for e in created) == [("olu", "done"), ("olu", "refused")]
    # The new operator logs in with the password the owner set, and enrols their own authenticator.
    client.cookies.clear()
    await enrol_and_log_in(client, "amaka")


async def test_a_support_operator_is_refused_adding_an_operator_and_the_refusal_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    page = await client.get("/admin/operators")
    assert "Add an operator" not in page.text
    fields = {"_csrf_token": await csrf(client, "/admin/operators"), "request_id": "a-forged-form"}
    password = {"password": OPERATOR_PASSWORD, "password_again": OPERATOR_PASSWORD}
    form = {**fields, "name": "eve", "role": "owner", **password}
    assert (await client.post("/admin/operators", data=form)).status_code == 303
    with pytest.raises(NotFound):
        db.read_sync(operators.operator_by_name, name="eve")
    refused = db.read_sync(entries, flt=AuditFilter(action="operator.create", outcome="refused"))
    assert [(e.actor, e.object_id) for e in refused] == [("ngozi", "eve")]
