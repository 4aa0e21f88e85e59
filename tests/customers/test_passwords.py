from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from flashpanel.customers import passwords
from flashpanel.errors import RuleViolation


def test_the_panel_hashes_with_argon2id_at_the_rfc_9106_low_memory_cost() -> None:
    production = PasswordHasher()  # what passwords._hasher is outside the tests
    parameters = extract_parameters(production.hash("correct horse battery"))
    assert parameters.type.name == "ID"
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )


def test_a_password_verifies_only_against_its_own_hash() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password(None, "correct horse battery")
    assert not passwords.verify_password("not a hash", "correct horse battery")


@pytest.mark.parametrize(("password", "message"), [("1234567", "at least 8"), ("x" * 257, "at most 256")])
def test_new_passwords_have_a_length_rule(password: str, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        passwords.check_new_password(password)
