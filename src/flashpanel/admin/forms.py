"""The forms the back office posts (``application/x-www-form-urlencoded``). Forms that change something
carry ``request_id``, a one-time id rendered into the page: the audit log's unique index on it makes a
second submission of the same form fail without effect (admin/audit.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

from flashpanel.errors import BadRequest, RuleViolation
from flashpanel.web.forms import FORM
from flashpanel.web.unstorable import Int64 as Int64  # the back office's pages import the bounded integers
from flashpanel.web.unstorable import QueryInt as QueryInt  # from here; one definition for both panels (D77)

# A form's one-time id, as ``new_request_id`` makes them (24 characters of the URL-safe alphabet). The audit
# log's column holds 64, and a bulk action records each item under ``<request_id>:<position>``: an id past
# 48 characters is refused when the form is decoded (400) rather than by the database mid-action.
REQUEST_ID_MAX_LENGTH = 48
RequestId = Annotated[str, msgspec.Meta(max_length=REQUEST_ID_MAX_LENGTH, pattern=r"^[A-Za-z0-9_:.-]*$")]
MALFORMED = "The form was incomplete or malformed. Go back and check every field."


def request_id_of(text: str) -> str | None:
    """The request id of a form decoded by hand (the multipart stock upload), checked as ``RequestId`` is;
    None when the form has none."""
    try:
        return msgspec.convert(text, RequestId) or None
    except msgspec.ValidationError:
        raise BadRequest(MALFORMED) from None


class OperatorLoginForm(msgspec.Struct):
    name: str
    password: str
    code: str = ""


class CodeForm(msgspec.Struct):
    code: str


class AdjustForm(msgspec.Struct):
    amount: str
    note: str
    seen_balance_cents: Int64
    request_id: RequestId
    direction: str = "credit"  # credit | debit


class NewCustomerForm(msgspec.Struct):
    request_id: RequestId
    username: str
    email: str = ""


class ActionForm(msgspec.Struct):
    request_id: RequestId
    note: str = ""


class SetStatusForm(msgspec.Struct):
    request_id: RequestId
    status: str
    remains: str = ""
    note: str = ""


class NewOperatorForm(msgspec.Struct):
    request_id: RequestId
    name: str
    role: str
    password: str
    password_again: str


class ResendForm(msgspec.Struct):
    request_id: RequestId
    checked: str = ""  # the checkbox "I checked at the provider..." (absent when not ticked)
    note: str = ""


class BulkForm(msgspec.Struct):
    order_ids: list[Int64] | Int64 = msgspec.field(default_factory=list)
    request_id: RequestId = ""
    confirm: str = ""


OperatorLogin = Annotated[OperatorLoginForm, FORM]
Code = Annotated[CodeForm, FORM]
Adjust = Annotated[AdjustForm, FORM]
Action = Annotated[ActionForm, FORM]
NewCustomer = Annotated[NewCustomerForm, FORM]
NewOperator = Annotated[NewOperatorForm, FORM]
SetStatus = Annotated[SetStatusForm, FORM]
Bulk = Annotated[BulkForm, FORM]
Resend = Annotated[ResendForm, FORM]


def filter_date(text: str, *, end: bool = False) -> float | None:
    """A date typed in a list's filter (YYYY-MM-DD, UTC) as epoch seconds; ``end`` takes the end of that day."""
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise RuleViolation(f"Dates are written YYYY-MM-DD, got {text!r}") from None
    return day + 86400 if end else day
