"""Requests are decoded once, at the edge: merged parameters in, the endpoint's Struct out.

An endpoint declares its parameters as a msgspec Struct (``smm/schemas.py`` …): a field's name is the
parameter's name, its type the shape (``int``, ``str``, :class:`~flashpanel.bounds.IdList`, optional with
a default or required), and :data:`flashpanel.bounds.PARAMETERS` its bounds. :func:`decode` checks every
required parameter is present (in field order, before anything else), reads each value with the one integer
grammar and the bounds, and builds the Struct, which its service function then receives as typed keyword
arguments. Failures are the 400 messages docs/api.md lists, naming the parameter.

Values are query or form text, or fields of a JSON body kept undecoded (:class:`msgspec.Raw`) until an
endpoint asks for them, so a field no endpoint reads is never decoded, and a JSON number too large for a
float or an integer (``1e309``, 5,000 digits) is refused as that parameter's value, not as a broken body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Union, get_args, get_origin

import msgspec

from flashpanel.bounds import NO_ROW, PARAMETERS, Bound, IdList, read_integer
from flashpanel.errors import BadRequest, InvalidParameter, MissingParameter

Value = str | msgspec.Raw  # query or form text, or a JSON body field not decoded yet
S = TypeVar("S", bound=msgspec.Struct)

# What a reader gets: text (query, form, or a JSON string), a JSON integer, or the JSON text of any other
# JSON value (a float, a boolean, an array, an object, an integer of thousands of digits).
Scalar = str | int | bytes
Reader = Callable[[Scalar, "_Field", bool], Any]

_json_scalar = msgspec.json.Decoder(str | int | None)
_json_items = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    read: Reader
    required: bool
    bound: Bound


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


def _reader(annotation: Any) -> Reader:
    """The reader of a field type: ``int``, ``str`` or ``IdList``, possibly ``| None``."""
    if get_origin(annotation) in (Union, type(int | None)):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    readers: dict[Any, Reader] = {int: _integer, str: _text, IdList: _ids}
    if annotation not in readers:
        raise TypeError(f"a request field must be int, str or IdList, optionally | None: {annotation!r}")
    return readers[annotation]


def plan_of(schema: type[msgspec.Struct]) -> tuple[_Field, ...]:
    """The fields of a request Struct with their readers and bounds; computed once per Struct."""
    plan = _PLANS.get(schema)
    if plan is None:
        fields = []
        for info in msgspec.structs.fields(schema):
            if info.name not in PARAMETERS:
                raise TypeError(f"{schema.__name__}.{info.name} has no entry in flashpanel.bounds.PARAMETERS")
            fields.append(_Field(info.name, _reader(info.type), info.required, PARAMETERS[info.name]))
        plan = _PLANS[schema] = tuple(fields)
    return plan


def decode(params: Mapping[str, Value], schema: type[S], *, lenient_ids: bool = False) -> S:
    """``schema`` built from ``params``. Raises :class:`MissingParameter` for the first required parameter
    that is absent or blank, then :class:`InvalidParameter` (or another 400) for the first malformed one.

    ``lenient_ids`` is /api/v2's rule: an id that is not a positive integer inside its bounds is read as
    the id of nothing (answered "Incorrect order ID"), where /api/v1 refuses a malformed one with a 400."""
    plan = plan_of(schema)
    given: list[tuple[_Field, Scalar]] = []
    for field in plan:
        value = scalar(params.get(field.name))
        if value is not None and (not isinstance(value, str) or value.strip()):
            given.append((field, value))
        elif field.required:
            raise MissingParameter(field.name)
    return schema(**{field.name: field.read(value, field, lenient_ids) for field, value in given})


def scalar(value: Value | None) -> Scalar | None:
    """Text as it is; a JSON string, integer or null decoded; any other JSON value as its JSON text (bytes)."""
    if value is None or isinstance(value, str):
        return value
    try:
        decoded: Scalar | None = _json_scalar.decode(value)
    except msgspec.ValidationError:
        return bytes(value)
    return decoded


def text_of(params: Mapping[str, Value], name: str) -> str | None:
    """A parameter that must be text (``action``, ``key``): None when absent, blank or not a string."""
    value = scalar(params.get(name))
    return value.strip() or None if isinstance(value, str) else None


def _integer(value: Scalar, field: _Field, lenient_ids: bool) -> int:
    number: int | None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        number = read_integer(value)
    else:  # other JSON: an integer too long to decode (past 64 bits, then), or not an integer (1.0, 1e3, true)
        number = read_integer(value.decode()) if value.removeprefix(b"-").isdigit() else None
    bound = field.bound
    if number is None:
        if lenient_ids and bound.names_a_row:
            return NO_ROW
        raise InvalidParameter(field.name, "an integer")
    if not bound.low <= number <= bound.high:
        if bound.names_a_row:
            return NO_ROW
        raise InvalidParameter(field.name, f"an integer between {bound.low} and {bound.high}")
    if bound.clamp is not None:
        return min(bound.clamp[1], max(bound.clamp[0], number))
    return number


def _text(value: Scalar, field: _Field, lenient_ids: bool) -> str:
    if isinstance(value, str):
        return value.strip()
    if field.bound.any_json_as_text:
        return str(value) if isinstance(value, int) else value.decode()
    raise InvalidParameter(field.name, "a string")


def _ids(value: Scalar, field: _Field, lenient_ids: bool) -> IdList:
    items: list[str]
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, int):
        items = [str(value)]
    elif value.removeprefix(b"-").isdigit():
        items = [value.decode()]
    elif value[:1] == b"[":
        items = [_item_text(item) for item in _json_items.decode(value)]
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
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
