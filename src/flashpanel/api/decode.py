"""Requests are decoded once, at the edge: merged parameters in, the endpoint's Struct out.

An endpoint declares its parameters as a msgspec Struct (``smm/schemas.py`` …): a field's name is the
parameter's name, its type the shape (``int``, ``str``, :class:`~flashpanel.bounds.IdList`, optional with
a default or required), and :data:`flashpanel.bounds.PARAMETERS` its bounds. :func:`decode` checks every
required parameter is present (in field order, before anything else), reads each value with the one integer
grammar and the bounds, and builds the Struct, which its service function then receives as typed keyword
arguments. Failures are today's 400 messages, naming the parameter.

Values are query or form text, or fields of a JSON body kept undecoded (:class:`msgspec.Raw`) until an
endpoint asks for them, so a field no endpoint reads is never decoded, and a JSON number too large for a
float or an integer (``1e309``, 5,000 digits) is refused as that parameter's value, not as a broken body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin

import msgspec

from flashpanel.bounds import NO_ROW, PARAMETERS, Bound, IdList, read_integer, within
from flashpanel.errors import BadRequest, InvalidParameter, MissingParameter

Value = str | msgspec.Raw  # query or form text, or a JSON body field not decoded yet
S = TypeVar("S", bound=msgspec.Struct)

_NUMBER_START = frozenset(b"-0123456789")


class _Kind(Enum):
    INTEGER = "integer"
    TEXT = "text"
    IDS = "ids"


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    kind: _Kind
    required: bool
    bound: Bound


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


def _kind(annotation: Any) -> tuple[_Kind, bool]:
    """(kind, optional) of a field type: ``int``, ``str`` or ``IdList``, possibly ``| None``."""
    optional = False
    if get_origin(annotation) in (Union, type(int | None)):
        members = [a for a in get_args(annotation) if a is not type(None)]
        optional, annotation = True, members[0]
    kinds = {int: _Kind.INTEGER, str: _Kind.TEXT, IdList: _Kind.IDS}
    if annotation not in kinds:
        raise TypeError(f"a request field must be int, str or IdList, optionally | None: {annotation!r}")
    return kinds[annotation], optional


def plan_of(schema: type[msgspec.Struct]) -> tuple[_Field, ...]:
    """The fields of a request Struct with their bounds; computed once per Struct."""
    plan = _PLANS.get(schema)
    if plan is None:
        fields = []
        for info in msgspec.structs.fields(schema):
            kind, _optional = _kind(info.type)
            if info.name not in PARAMETERS:
                raise TypeError(f"{schema.__name__}.{info.name} has no entry in flashpanel.bounds.PARAMETERS")
            fields.append(_Field(info.name, kind, info.required, PARAMETERS[info.name]))
        plan = _PLANS[schema] = tuple(fields)
    return plan


def decode(params: Mapping[str, Value], schema: type[S], *, lenient_ids: bool = False) -> S:
    """``schema`` built from ``params``. Raises :class:`MissingParameter` for the first required parameter
    that is absent or blank, then :class:`InvalidParameter` (or another 400) for the first malformed one.

    ``lenient_ids`` is /api/v2's rule: an id that is not a positive integer inside its bounds is read as
    the id of nothing (answered "Incorrect order ID"), where /api/v1 refuses a malformed one with a 400."""
    plan = plan_of(schema)
    values: dict[str, Any] = {}
    for field in plan:
        value = scalar(params.get(field.name))
        if _present(value):
            values[field.name] = value
        elif field.required:
            raise MissingParameter(field.name)
    for field in plan:
        if field.name in values:
            values[field.name] = _READERS[field.kind](values[field.name], field, lenient_ids)
    return schema(**values)


def scalar(value: Value | None) -> str | msgspec.Raw | None:
    """A JSON string or null decoded (text or None); text and other JSON values as they are."""
    if value is None or isinstance(value, str):
        return value
    first = memoryview(value)[:1].tobytes()
    if first == b'"':
        return msgspec.json.decode(value, type=str)
    if first == b"n":
        return None
    return value


def text_of(params: Mapping[str, Value], name: str) -> str | None:
    """A parameter that must be text (``action``, ``key``): None when absent, blank or not a string."""
    value = scalar(params.get(name))
    return value.strip() or None if isinstance(value, str) else None


def _present(value: str | msgspec.Raw | None) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _integer(value: str | msgspec.Raw, field: _Field, lenient_ids: bool) -> int:
    number: int | None = None
    if isinstance(value, str):
        number = read_integer(value)
    else:
        raw = bytes(value)
        if raw[0] in _NUMBER_START and not any(c in raw for c in b".eE"):  # a JSON integer, not a float
            number = read_integer(raw.decode())
    bound = field.bound
    if number is None:
        if lenient_ids and bound.names_a_row:
            return NO_ROW
        raise InvalidParameter(field.name, "an integer")
    if not within(number, bound):
        if bound.names_a_row:
            return NO_ROW
        raise InvalidParameter(field.name, f"an integer between {bound.low} and {bound.high}")
    if bound.clamp is not None:
        return min(bound.clamp[1], max(bound.clamp[0], number))
    return number


def _text(value: str | msgspec.Raw, field: _Field, lenient_ids: bool) -> str:
    if isinstance(value, str):
        return value.strip()
    if field.bound.any_json_as_text:
        return bytes(value).decode()
    raise InvalidParameter(field.name, "a string")


def _ids(value: str | msgspec.Raw, field: _Field, lenient_ids: bool) -> IdList:
    items: list[str]
    if isinstance(value, str):
        items = value.split(",")
    else:
        raw = bytes(value)
        if raw[0] in _NUMBER_START:
            items = [raw.decode()]
        elif raw[0] == ord("["):
            items = [_item_text(item) for item in msgspec.json.decode(raw, type=list[msgspec.Raw])]
        else:
            raise InvalidParameter(field.name, "a comma-separated list of ids")
    texts = tuple(dict.fromkeys(text for item in items if (text := item.strip())))
    if not texts:
        raise MissingParameter(field.name)
    limit = field.bound.max_items
    if limit is not None and len(texts) > limit:
        raise BadRequest(f"Too many ids in '{field.name}': at most {limit}")
    return IdList.of(texts, field.bound)


def _item_text(item: msgspec.Raw) -> str:
    """One item of a JSON id list as text: a string's value, any other value's JSON text."""
    value = scalar(item)
    if value is None:
        return "null"
    return value if isinstance(value, str) else bytes(value).decode()


_READERS = {_Kind.INTEGER: _integer, _Kind.TEXT: _text, _Kind.IDS: _ids}
