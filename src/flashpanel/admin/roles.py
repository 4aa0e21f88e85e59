"""Who may do what in the back office. The server checks every action against this table; the pages
only hide buttons an operator could not use anyway."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from flashpanel.errors import FlashpanelError, RuleViolation


class Permission(StrEnum):
    VIEW = "view"  # see everything, export
    ORDERS = "orders"  # cancel / refund an order through its line's transition, resend, mark completed
    CUSTOMER_ACCESS = "customer_access"  # disable / enable a customer, send a password reset link
    MONEY = "money"  # credit or debit a wallet, approve or reject a transfer, rotate a customer's key
    CATALOG = "catalog"  # prices, catalog, stock, providers
    OPERATORS = "operators"  # manage operators


ROLES: Final[dict[str, frozenset[Permission]]] = {
    "owner": frozenset(Permission),
    "support": frozenset({Permission.VIEW, Permission.ORDERS, Permission.CUSTOMER_ACCESS}),
}


class NotPermitted(FlashpanelError):
    status_code = 403
    message = "Your role does not allow this action"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise RuleViolation(f"Role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def allows(role: str, permission: Permission) -> bool:
    return permission in ROLES.get(role, frozenset())


def require(role: str, permission: Permission) -> None:
    """Raise :class:`NotPermitted` unless ``role`` holds ``permission``."""
    if not allows(role, permission):
        raise NotPermitted(f"A {role} operator may not do this ({permission.value} is for owners)")
