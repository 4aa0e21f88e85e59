"""Web accounts: sign-up, log-in, passwords, email, reset links, and the profile a customer sees.

Units of work (``fn(conn, **kwargs)``) hold the SQL; the async functions around them do what must
not run inside a transaction (Argon2 hashing, the log-in limiter, sending mail) and are what the web
pages and the CLI call. A customer's sessions live in ``web_sessions`` under ``CUSTOMER_REALM``.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from flashpanel.customers import service
from flashpanel.customers.limits import FailureCounter
from flashpanel.customers.names import normalise_email, normalise_username
from flashpanel.customers.passwords import check_new_password, hash_password_async, verify_password_async
from flashpanel.db.runner import Conn, Database, is_unique_violation, now
from flashpanel.db.typed import one_as
from flashpanel.errors import FlashpanelError, NotFound, RateLimited, RuleViolation
from flashpanel.mail import Email, Mailer
from flashpanel.web.sessions import end_subject_sessions, token_digest

log = logging.getLogger("flashpanel.accounts")

CUSTOMER_REALM = "customer"
RESET_TOKEN_SECONDS = 3600


class LoginFailed(FlashpanelError):
    status_code = 400
    message = "Wrong username, email or password"


class AccountDisabled(FlashpanelError):
    status_code = 403
    message = "This account is disabled; contact the panel operator"


class InvalidResetLink(FlashpanelError):
    status_code = 400
    message = "This reset link is invalid, used or expired; ask for a new one"


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    name: str
    email: str | None
    balance_cents: int
    active: bool
    api_key_prefix: str | None
    api_key_created_at: float | None
    has_password: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class NewAccount:
    customer_id: int
    name: str
    api_key: str


class _ProfileRow(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str | None
    balance_cents: int
    active: bool
    api_key_prefix: str | None
    api_key_created_at: float | None
    password_hash: str | None
    created_at: float


class _LoginCandidate(msgspec.Struct, frozen=True):
    id: int
    name: str
    email: str | None
    password_hash: str | None
    active: bool


# -- units of work ------------------------------------------------------------------------------------
def profile(conn: Conn, *, customer_id: int) -> Profile:
    row = one_as(
        conn,
        _ProfileRow,
        "SELECT id, name, email, balance_cents, active, api_key_prefix, api_key_created_at, password_hash, created_at "
        "FROM customers WHERE id = ?",
        (customer_id,),
    )
    if row is None:
        raise NotFound("Customer not found")
    return Profile(
        id=row.id,
        name=row.name,
        email=row.email,
        balance_cents=row.balance_cents,
        active=row.active,
        api_key_prefix=row.api_key_prefix,
        api_key_created_at=row.api_key_created_at,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
    )


def _login_candidate(conn: Conn, *, login: str) -> _LoginCandidate | None:
    """The customer a log-in form names, by username (as typed or lower case) or email."""
    typed = login.strip()
    return one_as(
        conn,
        _LoginCandidate,
        "SELECT id, name, email, password_hash, active FROM customers WHERE name IN (?, ?) OR email = ? "
        "ORDER BY id LIMIT 1",
        (typed, typed.lower(), typed.lower()),
    )


def _password_hash(conn: Conn, *, customer_id: int) -> str | None:
    value = conn.scalar("SELECT password_hash FROM customers WHERE id = ?", (customer_id,))
    return None if value is None else str(value)


def set_password(conn: Conn, *, customer_id: int, password_hash: str, keep_session: str | None = None) -> None:
    """Store a new password hash. Every session of the customer ends except ``keep_session`` (the
    digest of the session that made the change), and every unused reset link stops working."""
    conn.execute("UPDATE customers SET password_hash = ? WHERE id = ?", (password_hash, customer_id))
    conn.execute(
        "UPDATE password_resets SET used_at = ? WHERE customer_id = ? AND used_at IS NULL", (now(), customer_id)
    )
    end_subject_sessions(conn, realm=CUSTOMER_REALM, subject_id=customer_id, keep_token_digest=keep_session)


def change_email(conn: Conn, *, customer_id: int, email: str) -> str:
    """Set the customer's email (normalised); returns it as stored."""
    email = normalise_email(email)
    taken = conn.one("SELECT 1 FROM customers WHERE email = ? AND id <> ?", (email, customer_id))
    if taken is not None:
        raise RuleViolation("That email address belongs to another account")
    try:
        conn.execute("UPDATE customers SET email = ? WHERE id = ?", (email, customer_id))
    except Exception as exc:
        if is_unique_violation(exc):
            raise RuleViolation("That email address belongs to another account") from None
        raise
    return email


def issue_reset_token(conn: Conn, *, customer_id: int) -> str:
    """A new single-use reset token for the customer, valid for an hour (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    at = now()
    conn.execute(
        "INSERT INTO password_resets (token_digest, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (token_digest(token), customer_id, at, at + RESET_TOKEN_SECONDS),
    )
    return token


def reset_token_is_valid(conn: Conn, *, token: str) -> bool:
    row = conn.one(
        "SELECT 1 FROM password_resets WHERE token_digest = ? AND used_at IS NULL AND expires_at > ?",
        (token_digest(token), now()),
    )
    return row is not None


def _use_reset_token(conn: Conn, *, token: str, password_hash: str) -> int:
    """Spend the token (a conditional update: two uses of one link cannot both win) and set the
    password; every session of the customer ends. Returns the customer's id."""
    spent_by = conn.scalar(
        "UPDATE password_resets SET used_at = ? WHERE token_digest = ? AND used_at IS NULL AND expires_at > ? "
        "RETURNING customer_id",
        (now(), token_digest(token), now()),
    )
    if spent_by is None:
        raise InvalidResetLink()
    customer_id = int(spent_by)
    set_password(conn, customer_id=customer_id, password_hash=password_hash)
    return customer_id


# -- use cases ----------------------------------------------------------------------------------------
async def sign_up(db: Database, *, name: str, email: str, password: str, confirm: str) -> NewAccount:
    """Create a customer from the web form: the same row ``flashpanel users create`` makes (balance 0,
    a new key), plus email and password. Returns the key, to be shown once."""
    normalise_username(name)  # refuse a bad name or address before paying for a hash
    normalise_email(email)
    check_new_password(password, confirm)
    password_hash = await hash_password_async(password)
    key = await db.write(
        service.create_customer, name=name, initial_balance=Decimal(0), email=email, password_hash=password_hash
    )
    customer_id = await db.read(service.customer_id_by_name, name=name)
    return NewAccount(customer_id=customer_id, name=name.strip().lower(), api_key=key)


async def log_in(
    db: Database, *, login: str, password: str, client_ip: str, per_account: FailureCounter, per_ip: FailureCounter
) -> int:
    """The id of the customer whose username or email and password these are.

    Failed attempts are counted per account and per client address; past either limit every attempt
    is refused with :class:`RateLimited` ("try again in N s") before the password is even checked."""
    candidate = await db.read(_login_candidate, login=login)
    account = f"id:{candidate.id}" if candidate else f"login:{login.strip().lower()}"
    for counter, key in ((per_ip, client_ip), (per_account, account)):
        wait = await counter.retry_after(key)
        if wait is not None:
            raise RateLimited(f"Too many attempts, try again in {wait} s", retry_after=wait)
    if not await verify_password_async(candidate.password_hash if candidate else None, password):
        await per_ip.record(client_ip)
        await per_account.record(account)
        raise LoginFailed()
    assert candidate is not None
    if not candidate.active:
        raise AccountDisabled()
    return candidate.id


async def change_password(
    db: Database, *, customer_id: int, current: str, new: str, confirm: str, keep_session: str
) -> None:
    """Check the current password, store the new one; the customer's other sessions end."""
    if not await verify_password_async(await db.read(_password_hash, customer_id=customer_id), current):
        raise RuleViolation("The current password is wrong")
    check_new_password(new, confirm)
    await db.write(
        set_password, customer_id=customer_id, password_hash=await hash_password_async(new), keep_session=keep_session
    )


async def set_password_for(db: Database, *, name: str, password: str) -> None:
    """The operator sets a customer's password (``flashpanel users set-password``); all sessions end."""
    check_new_password(password)
    customer_id = await db.read(service.customer_id_by_name, name=name)
    await db.write(set_password, customer_id=customer_id, password_hash=await hash_password_async(password))


async def regenerate_key(db: Database, *, customer_id: int, password: str) -> str:
    """A new API key after checking the password; the old key stops working when this returns.
    The key is rotated by ``customers.service.rotate_key``, as ``flashpanel users rotate-key`` does."""
    if not await verify_password_async(await db.read(_password_hash, customer_id=customer_id), password):
        raise RuleViolation("The password is wrong")
    name = (await db.read(profile, customer_id=customer_id)).name
    key: str = await db.write(service.rotate_key, name=name)
    return key


def reset_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/reset/{token}"


async def send_reset_link(
    db: Database, mailer: Mailer, *, login: str, base_url: str, per_account: FailureCounter
) -> None:
    """Email a reset link to the active customer that ``login`` (username or email) names.

    Says nothing about whether such a customer exists (the page shows the same answer either way).
    Without an email address on file the link goes to the server log for the operator. Each request
    counts against the account's log-in limit, so nobody can flood a mailbox with reset links."""
    candidate = await db.read(_login_candidate, login=login)
    if candidate is None or not candidate.active:
        log.info("password reset asked for %r: no active customer by that name or email", login.strip()[:100])
        return
    key = f"id:{candidate.id}"
    wait = await per_account.retry_after(key)
    if wait is not None:
        raise RateLimited(f"Too many attempts, try again in {wait} s", retry_after=wait)
    await per_account.record(key)
    link = reset_link(base_url, await db.write(issue_reset_token, customer_id=candidate.id))
    if candidate.email is None:
        log.warning("password reset link for customer %r (no email address on file): %s", candidate.name, link)
        return
    body = (
        f"Someone asked to reset the password of the account {candidate.name!r}.\n\n"
        f"To choose a new password, open this link within an hour (it works once):\n{link}\n\n"
        "If it was not you, ignore this message: your password has not changed.\n"
    )
    try:
        await mailer.send(Email(to=candidate.email, subject="Reset your password", body=body))
    except Exception:
        log.exception("could not send the password reset email to customer %r", candidate.name)


async def reset_password(db: Database, *, token: str, password: str, confirm: str) -> int:
    """Set a new password through a reset link (single use, one hour); every session ends."""
    if not await db.read(reset_token_is_valid, token=token):
        raise InvalidResetLink()
    check_new_password(password, confirm)
    customer_id: int = await db.write(_use_reset_token, token=token, password_hash=await hash_password_async(password))
    return customer_id
