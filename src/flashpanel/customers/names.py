"""What a username and an email address may be: one rule for the CLI and the web sign-up."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from flashpanel.errors import RuleViolation

USERNAME_RULE = "3 to 32 characters: letters a-z, digits, '_', '.' or '-'"
_USERNAME = re.compile(r"[a-z0-9_.-]{3,32}")


def normalise_username(text: str) -> str:
    """The stored form of a username: lower case, so that names are unique ignoring case.

    Raises :class:`RuleViolation` when the name breaks the rule."""
    name = text.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise RuleViolation(f"Username must be {USERNAME_RULE}")
    return name


def normalise_email(text: str) -> str:
    """The stored form of an email address (lower case, checked for syntax only, no DNS)."""
    try:
        checked = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise RuleViolation(f"Email is not valid: {exc}") from None
    return checked.normalized.lower()
