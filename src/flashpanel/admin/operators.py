"""Operators: the people who run the panel. Created from the CLI (``flashpanel admins``), they log in to
the back office with a password and a TOTP code; the first log-in enrols the authenticator.

Units of work (``fn(conn, **kwargs)``) hold the SQL; the async log-in around them hashes off the event
loop and counts failures (per operator name and per client address) before any check."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from flashpanel.admin import totp
from flashpanel.admin.actions import audited
from flashpanel.admin.audit import Actor, record, refuse_a_seen_form
from flashpanel.admin.roles import Permission, check_role, require
from flashpanel.api.ratelimit import FailureCounter
from flashpanel.crypto import SecretBox
from flashpanel.customers.names import normalise_username
from flashpanel.customers.passwords import check_new_password, verify_password_async
from flashpanel.db.runner import Conn, Database, is_unique_violation, now
from flashpanel.db.typed import all_as, one_as
from flashpanel.errors import FlashpanelError, NotFound, RateLimited, RuleViolation
from flashpanel.web.sessions import end_subject_sessions

OPERATOR_REALM = "operator"
ENROLMENT_REALM = "operator-enrol"  # between a right password and the first code: shows the QR code only


class OperatorLoginFailed(FlashpanelError):
    status_code = 400
    message = "Wrong name, password or code"


@dataclass(frozen=True, slots=True)
class Operator:
    id: int
    name: str
    role: str
    active: bool
    enrolled: bool
    created_at: float
    last_login_at: float | None


_COLUMNS = "id, name, role, active, totp_confirmed_at, created_at, last_login_at"


class _OperatorRow(msgspec.Struct, frozen=True):
    id: int
    name: str
    role: str
    active: bool
    totp_confirmed_at: float | None
    created_at: float
    last_login_at: float | None


def _operator(r: _OperatorRow) -> Operator:
    return Operator(
        id=r.id,
        name=r.name,
        role=r.role,
        active=r.active,
        enrolled=r.totp_confirmed_at is not None,
        created_at=r.created_at,
        last_login_at=r.last_login_at,
    )


# -- units of work -------------------------------------------------------------------------------
@audited("operator.create", "operator")
def create_operator(
    conn: Conn, *, actor: Actor, name: str, role: str, password_hash: str, request_id: str | None = None
) -> int:
    """A new operator (audited as ``operator.create``); enrolment of the authenticator happens at first log-in.
    The CLI and the Operators page both call this, with the password already checked and hashed."""
    require(actor.role, Permission.OPERATORS)
    refuse_a_seen_form(conn, request_id=request_id)
    name = normalise_username(name)
    check_role(role)
    if conn.one("SELECT 1 FROM operators WHERE name = ?", (name,)) is not None:
        raise RuleViolation(f"An operator named {name!r} already exists")
    try:
        new_id = conn.scalar(
            "INSERT INTO operators (name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (name, role, password_hash, True, now()),
        )
    except Exception as exc:
        if is_unique_violation(exc):
            raise RuleViolation(f"An operator named {name!r} already exists") from None
        raise
    assert new_id is not None
    operator_id = int(new_id)
    record(
        conn,
        actor=actor,
        action="operator.create",
        object_kind="operator",
        object_id=name,
        after={"role": role},
        request_id=request_id,
    )
    return operator_id


def operator_by_name(conn: Conn, *, name: str) -> Operator:
    row = one_as(conn, _OperatorRow, f"SELECT {_COLUMNS} FROM operators WHERE name = ?", (name.strip().lower(),))
    if row is None:
        raise NotFound(f"No operator named {name!r}")
    return _operator(row)


def operator_by_id(conn: Conn, *, operator_id: int) -> Operator | None:
    row = one_as(conn, _OperatorRow, f"SELECT {_COLUMNS} FROM operators WHERE id = ?", (operator_id,))
    return None if row is None else _operator(row)


def list_operators(conn: Conn) -> list[Operator]:
    return [_operator(r) for r in all_as(conn, _OperatorRow, f"SELECT {_COLUMNS} FROM operators ORDER BY id")]


@audited("operator.set_active", "operator")
def set_operator_active(conn: Conn, *, actor: Actor, name: str, active: bool, request_id: str | None = None) -> None:
    """Disable (every session ends at once) or re-enable an operator."""
    require(actor.role, Permission.OPERATORS)
    refuse_a_seen_form(conn, request_id=request_id)
    operator = operator_by_name(conn, name=name)
    conn.execute("UPDATE operators SET active = ? WHERE id = ?", (active, operator.id))
    if not active:
        _end_sessions(conn, operator.id)
    record(
        conn,
        actor=actor,
        action="operator.enable" if active else "operator.disable",
        object_kind="operator",
        object_id=operator.name,
        before={"active": operator.active},
        after={"active": active},
        request_id=request_id,
    )


@audited("operator.reset_2fa", "operator")
def reset_two_factor(conn: Conn, *, actor: Actor, name: str, request_id: str | None = None) -> None:
    """Forget the operator's authenticator (a lost phone): the next log-in enrols a new one. Sessions end."""
    require(actor.role, Permission.OPERATORS)
    refuse_a_seen_form(conn, request_id=request_id)
    operator = operator_by_name(conn, name=name)
    conn.execute(
        "UPDATE operators SET totp_secret_encrypted = NULL, totp_confirmed_at = NULL WHERE id = ?", (operator.id,)
    )
    _end_sessions(conn, operator.id)
    record(
        conn,
        actor=actor,
        action="operator.reset_2fa",
        object_kind="operator",
        object_id=operator.name,
        before={"enrolled": operator.enrolled},
        after={"enrolled": False},
        request_id=request_id,
    )


def _end_sessions(conn: Conn, operator_id: int) -> None:
    for realm in (OPERATOR_REALM, ENROLMENT_REALM):
        end_subject_sessions(conn, realm=realm, subject_id=operator_id)


class _Candidate(msgspec.Struct, frozen=True):
    id: int
    password_hash: str
    active: bool
    totp_secret_encrypted: str | None
    totp_confirmed_at: float | None

    @property
    def enrolled(self) -> bool:
        return self.totp_confirmed_at is not None


class _Enrolment(msgspec.Struct, frozen=True):
    totp_secret_encrypted: str | None
    totp_confirmed_at: float | None


class _TotpState(_Enrolment, frozen=True):
    totp_last_step: int


def _candidate(conn: Conn, *, name: str) -> _Candidate | None:
    return one_as(
        conn,
        _Candidate,
        "SELECT id, password_hash, active, totp_secret_encrypted, totp_confirmed_at FROM operators WHERE name = ?",
        (name.strip().lower(),),
    )


def accept_code(conn: Conn, *, operator_id: int, code: str, secrets: SecretBox, confirm: bool = False) -> bool:
    """Whether ``code`` is the operator's current code, not used before. Accepting it records its step
    (a conditional update: two requests carrying one code cannot both pass). ``confirm`` finishes enrolment."""
    state = one_as(
        conn,
        _TotpState,
        "SELECT totp_secret_encrypted, totp_last_step, totp_confirmed_at FROM operators WHERE id = ? AND active",
        (operator_id,),
    )
    if state is None or state.totp_secret_encrypted is None:
        return False
    if (state.totp_confirmed_at is None) != confirm:
        return False
    secret = secrets.decrypt(state.totp_secret_encrypted)
    step = totp.matching_step(secret, code, after_step=state.totp_last_step)
    if step is None:
        return False
    at = now()
    updated = conn.one(
        "UPDATE operators SET totp_last_step = ?, last_login_at = ?, "
        "totp_confirmed_at = COALESCE(totp_confirmed_at, ?) WHERE id = ? AND totp_last_step < ? RETURNING id",
        (step, at, at, operator_id, step),
    )
    return updated is not None


def enrolment_secret(conn: Conn, *, operator_id: int, secrets: SecretBox) -> str:
    """The secret an operator who is not enrolled yet scans (made on first use, kept until confirmed)."""
    state = one_as(
        conn, _Enrolment, "SELECT totp_secret_encrypted, totp_confirmed_at FROM operators WHERE id = ?", (operator_id,)
    )
    if state is None or state.totp_confirmed_at is not None:
        raise RuleViolation("This operator has already enrolled an authenticator")
    if state.totp_secret_encrypted is not None:
        return secrets.decrypt(state.totp_secret_encrypted)
    secret = totp.new_secret()
    conn.execute(
        "UPDATE operators SET totp_secret_encrypted = ? WHERE id = ? AND totp_secret_encrypted IS NULL",
        (secrets.encrypt(secret), operator_id),
    )
    return secret


# -- log-in ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoginOutcome:
    operator_id: int
    needs_enrolment: bool  # right password, no authenticator yet: show the QR code, then ask a code


async def log_in(
    db: Database,
    secrets: SecretBox,
    *,
    name: str,
    password: str,
    code: str,
    client_ip: str,
    per_name: FailureCounter,
    per_ip: FailureCounter,
) -> LoginOutcome:
    """Check name, password and (once enrolled) the code. Refusals do not say which part was wrong; past
    either failure limit every attempt is refused with :class:`RateLimited` before anything is checked."""
    key = f"name:{name.strip().lower()[:64]}"
    for counter, counted in ((per_ip, client_ip), (per_name, key)):
        wait = await counter.retry_after(counted)
        if wait is not None:
            raise RateLimited(f"Too many attempts, try again in {wait} s", retry_after=wait)
    candidate = await db.read(_candidate, name=name)
    password_ok = await verify_password_async(candidate.password_hash if candidate else None, password)
    passed = candidate is not None and password_ok and candidate.active
    if passed and candidate is not None and candidate.enrolled:
        passed = await db.write(accept_code, operator_id=candidate.id, code=code, secrets=secrets)
    if not passed or candidate is None:
        await per_ip.record(client_ip)
        await per_name.record(key)
        raise OperatorLoginFailed()
    return LoginOutcome(operator_id=candidate.id, needs_enrolment=not candidate.enrolled)


def check_operator_password(password: str, confirm: str | None = None) -> None:
    """Operators choose longer passwords than customers: their session moves money."""
    check_new_password(password, confirm)
    if len(password) < 12:
        raise RuleViolation("An operator's password must be at least 12 characters")
