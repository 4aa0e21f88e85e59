"""Passwords: Argon2id hashes (argon2-cffi's RFC 9106 defaults), computed off the event loop.

A hash costs tens of milliseconds of CPU and 64 MiB by design, so it never runs on the event loop
and never inside a unit of work (it would hold the SQLite writer or a PostgreSQL transaction)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from flashpanel.errors import RuleViolation

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing cost does not depend on it, but nobody needs more; stops megabyte "passwords"

_hasher = PasswordHasher()


def check_new_password(password: str, confirm: str | None = None) -> None:
    """Refuse a password a customer may not choose (length), or a confirmation that differs."""
    if len(password) < MIN_LENGTH:
        raise RuleViolation(f"Password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise RuleViolation(f"Password must be at most {MAX_LENGTH} characters")
    if confirm is not None and confirm != password:
        raise RuleViolation("The two passwords do not match")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password matches nothing."""
    if not password_hash:
        _hasher.hash(password)  # same cost as a real check, so timing does not tell which accounts exist
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)
