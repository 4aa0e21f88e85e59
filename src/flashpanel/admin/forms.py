"""The forms the back office posts (``application/x-www-form-urlencoded``). Forms that change something
carry ``request_id``, a one-time id rendered into the page: the audit log's unique index on it makes a
second submission of the same form fail without effect (admin/audit.py)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from flashpanel.web.forms import FORM


class OperatorLoginForm(msgspec.Struct):
    name: str
    password: str
    code: str = ""


class CodeForm(msgspec.Struct):
    code: str


class AdjustForm(msgspec.Struct):
    amount: str
    note: str
    seen_balance_cents: int
    request_id: str
    direction: str = "credit"  # credit | debit


class NewCustomerForm(msgspec.Struct):
    request_id: str
    username: str
    email: str = ""


class ActionForm(msgspec.Struct):
    request_id: str
    note: str = ""


class SetStatusForm(msgspec.Struct):
    request_id: str
    status: str
    remains: str = ""
    note: str = ""


class NewOperatorForm(msgspec.Struct):
    request_id: str
    name: str
    role: str
    password: str
    password_again: str


class BulkForm(msgspec.Struct):
    order_ids: list[int] | int = msgspec.field(default_factory=list)
    request_id: str = ""
    confirm: str = ""


OperatorLogin = Annotated[OperatorLoginForm, FORM]
Code = Annotated[CodeForm, FORM]
Adjust = Annotated[AdjustForm, FORM]
Action = Annotated[ActionForm, FORM]
NewCustomer = Annotated[NewCustomerForm, FORM]
NewOperator = Annotated[NewOperatorForm, FORM]
SetStatus = Annotated[SetStatusForm, FORM]
Bulk = Annotated[BulkForm, FORM]
