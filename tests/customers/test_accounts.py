"""Web accounts below the browser: sign-up, log-in limits, passwords, reset links, sessions ending."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest

from flashpanel.api.ratelimit import RateLimits
from flashpanel.config import Settings
from flashpanel.customers import accounts, service
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import RateLimited, RuleViolation
from flashpanel.web.sessions import SessionPolicy, find_session, start_session, token_digest

PASSWORD = "correct horse battery"
POLICY = SessionPolicy(realm=accounts.CUSTOMER_REALM, cookie_name="fp_session", idle_seconds=3600, max_seconds=86400)


def _row(db: Database, name: str) -> dict[str, object]:
    row = db.read_sync(lambda c: c.one("SELECT * FROM customers WHERE name = ?", (name,)))
    assert row is not None
    return dict(row)


def _live_sessions(db: Database, customer_id: int) -> int:
    return int(
        db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM web_sessions WHERE subject_id = ?", (customer_id,)))
    )


async def test_web_sign_up_creates_the_row_the_cli_creates_with_email_and_password(db: Database) -> None:
    account = await accounts.sign_up(
        db, name="Ada_Lovelace", email="Ada@Example.com", password=PASSWORD, confirm=PASSWORD
    )
    cli_key = db.write_sync(service.create_customer, name="grace")
    web, cli = _row(db, "ada_lovelace"), _row(db, "grace")
    assert account.name == "ada_lovelace" and web["id"] == account.customer_id
    assert web["api_key_digest"] == key_digest(account.api_key) and web["balance_cents"] == 0 and web["active"]
    assert web["email"] == "ada@example.com" and str(web["password_hash"]).startswith("$argon2id$")
    assert web["api_key_prefix"] == account.api_key[:8] and web["api_key_created_at"] == web["created_at"]
    # the CLI's customer: the same columns, without email or password until a reset link or set-password
    assert cli["api_key_digest"] == key_digest(cli_key) and cli["balance_cents"] == 0
    assert cli["email"] is None and cli["password_hash"] is None and cli["api_key_prefix"] == cli_key[:8]


@pytest.mark.parametrize(
    ("name", "email", "password", "confirm", "message"),
    [
        ("ab", "a@example.com", PASSWORD, PASSWORD, "username must be 3 to 32"),
        ("has space", "a@example.com", PASSWORD, PASSWORD, "username must be"),
        ("x" * 33, "a@example.com", PASSWORD, PASSWORD, "username must be"),
        ("valid.name", "not-an-email", PASSWORD, PASSWORD, "email is not valid"),
        ("valid.name", "a@example.com", "short", "short", "at least 8 characters"),
        ("valid.name", "a@example.com", PASSWORD, PASSWORD + "x", "do not match"),
    ],
)
async def test_sign_up_refuses_bad_input_and_creates_nothing(
    db: Database, name: str, email: str, password: str, confirm: str, message: str
) -> None:
    with pytest.raises(RuleViolation, match=f"(?i){message}"):
        await accounts.sign_up(db, name=name, email=email, password=password, confirm=confirm)
    assert db.read_sync(lambda c: c.scalar("SELECT COUNT(*) FROM customers")) == 0


async def test_usernames_and_emails_are_unique_ignoring_case(db: Database) -> None:
    await accounts.sign_up(db, name="alice", email="alice@example.com", password=PASSWORD, confirm=PASSWORD)
    with pytest.raises(RuleViolation, match="already exists"):
        await accounts.sign_up(db, name="ALICE", email="other@example.com", password=PASSWORD, confirm=PASSWORD)
    with pytest.raises(RuleViolation, match="another account"):
        await accounts.sign_up(db, name="alice2", email="ALICE@example.com", password=PASSWORD, confirm=PASSWORD)


@pytest.fixture
async def limits(settings: Settings) -> AsyncIterator[RateLimits]:
    import redis

    if settings.redis_url:
        redis.Redis.from_url(settings.redis_url).flushdb()
    limits = RateLimits(settings.model_copy(update={"rate_limit_login_account": "3/minute"}))
    yield limits
    await limits.close()


async def _log_in(db: Database, limits: RateLimits, login: str, password: str, ip: str = "192.0.2.1") -> int:
    return await accounts.log_in(
        db, login=login, password=password, client_ip=ip, per_account=limits.login_account, per_ip=limits.login_ip
    )


async def test_log_in_by_username_or_email_any_case(db: Database, limits: RateLimits) -> None:
    account = await accounts.sign_up(db, name="bob", email="bob@example.com", password=PASSWORD, confirm=PASSWORD)
    for login in ("bob", "BOB", " bob@example.com ", "Bob@Example.com"):
        assert await _log_in(db, limits, login, PASSWORD) == account.customer_id
    with pytest.raises(accounts.LoginFailed):
        await _log_in(db, limits, "bob", "wrong password")


async def test_a_customer_without_a_password_cannot_log_in(db: Database, limits: RateLimits) -> None:
    db.write_sync(service.create_customer, name="cli-made")
    with pytest.raises(accounts.LoginFailed):
        await _log_in(db, limits, "cli-made", "")


async def test_wrong_passwords_are_limited_per_account_then_even_the_right_one_waits(
    db: Database, limits: RateLimits
) -> None:
    await accounts.sign_up(db, name="carol", email="carol@example.com", password=PASSWORD, confirm=PASSWORD)
    for attempt in range(3):  # the fixture's per-account limit: 3/minute
        with pytest.raises(accounts.LoginFailed):
            await _log_in(db, limits, "carol" if attempt % 2 else "carol@example.com", "guess", ip=f"192.0.2.{attempt}")
    with pytest.raises(RateLimited, match=r"Too many attempts, try again in \d+ s") as refused:
        await _log_in(db, limits, "carol", PASSWORD, ip="192.0.2.99")
    assert 1 <= refused.value.retry_after <= 61  # the in-process window frees a hit up to a slice late (D18)


async def test_wrong_passwords_are_limited_per_client_address(db: Database, limits: RateLimits) -> None:
    for n in range(20):  # FLASHPANEL_RATE_LIMIT_LOGIN_IP: 20/minute, over 20 different accounts
        with pytest.raises(accounts.LoginFailed):
            await _log_in(db, limits, f"nobody-{n}", "guess", ip="198.51.100.7")
    with pytest.raises(RateLimited, match="Too many attempts"):
        await _log_in(db, limits, "nobody-21", "guess", ip="198.51.100.7")
    with pytest.raises(accounts.LoginFailed):  # another address is not affected
        await _log_in(db, limits, "nobody-21", "guess", ip="198.51.100.8")


async def test_a_disabled_customer_cannot_log_in(db: Database, limits: RateLimits) -> None:
    await accounts.sign_up(db, name="dave", email="dave@example.com", password=PASSWORD, confirm=PASSWORD)
    db.write_sync(service.set_active, name="dave", active=False)
    with pytest.raises(accounts.AccountDisabled):
        await _log_in(db, limits, "dave", PASSWORD)


async def test_changing_the_password_ends_every_other_session(db: Database) -> None:
    account = await accounts.sign_up(db, name="erin", email="erin@example.com", password=PASSWORD, confirm=PASSWORD)
    tokens = [db.write_sync(start_session, policy=POLICY, subject_id=account.customer_id) for _ in range(3)]
    other = await accounts.sign_up(db, name="frank", email="frank@example.com", password=PASSWORD, confirm=PASSWORD)
    db.write_sync(start_session, policy=POLICY, subject_id=other.customer_id)
    with pytest.raises(RuleViolation, match="current password is wrong"):
        await accounts.change_password(
            db, customer_id=account.customer_id, current="nope", new="new password 1", confirm="new password 1",
            keep_session=token_digest(tokens[0]),
        )
    assert _live_sessions(db, account.customer_id) == 3
    await accounts.change_password(
        db, customer_id=account.customer_id, current=PASSWORD, new="new password 1", confirm="new password 1",
        keep_session=token_digest(tokens[0]),
    )
    alive = [db.read_sync(find_session, policy=POLICY, token_digest=token_digest(t), at=time.time()) for t in tokens]
    assert alive[0] is not None and alive[1] is None and alive[2] is None
    assert _live_sessions(db, other.customer_id) == 1  # someone else's session is untouched


def _set_last_seen(conn: Conn, *, at: float, digest: str) -> None:
    conn.execute("UPDATE web_sessions SET last_seen_at = ? WHERE token_digest = ?", (at, digest))


def test_sessions_end_when_idle_or_past_their_absolute_expiry(db: Database, make_customer: Callable[..., str]) -> None:
    make_customer("gina")
    customer_id = db.read_sync(service.customer_id_by_name, name="gina")
    token = db.write_sync(start_session, policy=POLICY, subject_id=customer_id)
    digest = token_digest(token)
    started = time.time()
    assert db.read_sync(find_session, policy=POLICY, token_digest=digest, at=started + 3599) is not None
    assert db.read_sync(find_session, policy=POLICY, token_digest=digest, at=started + 3601) is None  # idle
    for hour in range(1, 24):  # kept alive every hour, the session still ends a day after it started
        db.write_sync(_set_last_seen, at=started + hour * 3600, digest=digest)
    assert db.read_sync(find_session, policy=POLICY, token_digest=digest, at=started + 86399) is not None
    assert db.read_sync(find_session, policy=POLICY, token_digest=digest, at=started + 86401) is None
    other_realm = SessionPolicy(realm="operator", cookie_name="x", idle_seconds=3600, max_seconds=86400)
    assert db.read_sync(find_session, policy=other_realm, token_digest=digest, at=started) is None


async def test_a_reset_link_works_once_and_ends_every_session(db: Database, limits: RateLimits) -> None:
    account = await accounts.sign_up(db, name="hana", email="hana@example.com", password=PASSWORD, confirm=PASSWORD)
    db.write_sync(start_session, policy=POLICY, subject_id=account.customer_id)
    token = db.write_sync(accounts.issue_reset_token, customer_id=account.customer_id)
    older = db.write_sync(accounts.issue_reset_token, customer_id=account.customer_id)
    await accounts.reset_password(db, token=token, password="brand new pass", confirm="brand new pass")
    assert _live_sessions(db, account.customer_id) == 0
    assert await _log_in(db, limits, "hana", "brand new pass") == account.customer_id
    for used in (token, older):  # the used link, and every other link issued before the change
        with pytest.raises(accounts.InvalidResetLink):
            await accounts.reset_password(db, token=used, password="another pass 1", confirm="another pass 1")


async def test_a_reset_link_expires_after_an_hour(db: Database) -> None:
    account = await accounts.sign_up(db, name="ivan", email="ivan@example.com", password=PASSWORD, confirm=PASSWORD)
    token = db.write_sync(accounts.issue_reset_token, customer_id=account.customer_id)

    def age_by_an_hour(conn: Conn) -> None:
        conn.execute("UPDATE password_resets SET expires_at = expires_at - 3600, created_at = created_at - 3600")

    db.write_sync(age_by_an_hour)
    assert not db.read_sync(accounts.reset_token_is_valid, token=token)
    with pytest.raises(accounts.InvalidResetLink):
        await accounts.reset_password(db, token=token, password="brand new pass", confirm="brand new pass")


async def test_regenerating_the_key_needs_the_password_and_kills_the_old_key(db: Database) -> None:
    account = await accounts.sign_up(db, name="judy", email="judy@example.com", password=PASSWORD, confirm=PASSWORD)
    with pytest.raises(RuleViolation, match="password is wrong"):
        await accounts.regenerate_key(db, customer_id=account.customer_id, password="nope")
    new_key = await accounts.regenerate_key(db, customer_id=account.customer_id, password=PASSWORD)
    row = _row(db, "judy")
    assert row["api_key_digest"] == key_digest(new_key) != key_digest(account.api_key)
    assert row["api_key_prefix"] == new_key[:8]
