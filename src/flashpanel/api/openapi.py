"""The OpenAPI 3.1 document of /api/v1 and /api/v2, built from the declarations (api/v1/contract.py,
apiv2/contract.py): request Structs and the bounds table for the parameters, reply Structs (through
msgspec's JSON Schema generator) for the bodies, every error status with its messages. Served at
/docs/openapi.json; ``flashpanel dev openapi`` prints the same bytes, checked in as docs/openapi.json.

Built by hand rather than by Litestar's generator, which documents a handler from its signature: the
handlers take the raw request (they decode at the edge, D28, and answer pre-encoded bytes, D19), and
/api/v2 is one path whose actions OpenAPI can only show as alternatives of one operation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from http import HTTPStatus
from typing import Any, Final, get_args

import msgspec

from flashpanel import __version__
from flashpanel.api.contract import Operation, Param, errors_of, message_pattern
from flashpanel.api.ratelimit import RateClass
from flashpanel.api.v1 import examples
from flashpanel.api.v1.contract import OPERATIONS
from flashpanel.api.v1.replies import ErrorReply
from flashpanel.apiv2 import contract as v2
from flashpanel.apiv2.replies import ALTERNATIVES, Refusal
from flashpanel.bounds import LINK_MAX_LENGTH, LINK_SCHEMES, PARAMETERS, IdList

Schema = dict[str, Any]
REF: Final = "#/components/schemas/{name}"
SECURITY: Final[list[dict[str, list[str]]]] = [{"queryKey": []}, {"headerKey": []}, {"bearerKey": []}]
JSON_AND_FORMS: Final = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
RATE_LIMIT_HEADERS: Final = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
RATE_BUDGETS: Final = {
    RateClass.BALANCE: "balance (60 requests a minute by default)",
    RateClass.LIST: "list (30 a minute)",
    RateClass.ORDERS: "orders (10 a minute)",
    RateClass.STATUS: "status (30 a minute)",
}
WHEN: Final = {
    400: "A parameter is missing or malformed, the body cannot be read, or the balance does not cover the charge.",
    401: "The key is missing, unknown, or belongs to a disabled customer.",
    404: "No such id among the caller's own (another customer's id gets the same answer).",
    413: "The body is longer than FLASHPANEL_MAX_BODY_BYTES (1 MiB by default).",
    422: "Well-formed input that a business rule refuses.",
    429: "Over the key's rate limit, or too many unknown keys from this address.",
    500: "flashpanel failed; the details are logged, never sent.",
    503: "Every number provider failed; nothing was charged.",
}
INTRO: Final = """\
flashpanel serves the Code Flash New API under `/api/v1` and the SMM panel API v2 under `/api/v2`.

**The key** goes in the `key` query parameter (as the API document shows), in an `X-API-Key` header, or as
`Authorization: Bearer <key>`; a `key` field of a JSON or form body is read too. To try a request here,
press *Authorize* and give your key (`make run` prints the demo customer's) in any one of the three.

**Parameters** come from the query string, a JSON object body or a form body; when both carry a name, the
body wins. Integers are JSON numbers or digit strings. Every error is `{"success": false, "error": "..."}`
on /api/v1 and `{"error": "..."}` on /api/v2 (HTTP 200 there, but for 413, 429 and 500). Any unknown
path under /api answers 404 `Not found: <method> <path>`, and a known path with another method 405 with
an `Allow` header, in /api/v1's envelope.

**Rate limits** are per key and per class; every answer to a customer's key carries `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset`, and a 429 also `Retry-After`.

The choices the API document leaves open are in docs/api.md and docs/api-v2.md."""


def _hook(kind: type) -> Schema:
    """Schemas of the union markers msgspec cannot express (a union of two Structs without a tag)."""
    if kind in ALTERNATIVES:
        return {"anyOf": [{"$ref": REF.format(name=s.__name__)} for s in ALTERNATIVES[kind]]}
    raise NotImplementedError(kind)


def _reply_types() -> list[object]:
    types: list[object] = [ErrorReply, Refusal, *(op.reply for op in OPERATIONS)]
    for action in v2.ACTIONS.values():
        types += action.replies
    for alternatives in ALTERNATIVES.values():
        types += alternatives
    return types


def _messages_schema(messages: tuple[str, ...]) -> Schema:
    """The ``error`` string: one of the fixed messages, or matching a templated one."""
    fixed = [m for m in messages if message_pattern(m) is None]
    patterns = [p for m in messages if (p := message_pattern(m)) is not None]
    choices: list[Schema] = ([{"enum": fixed}] if fixed else []) + [{"pattern": p} for p in patterns]
    return {"type": "string", "anyOf": choices} if len(choices) > 1 else {"type": "string", **choices[0]}


def _error_content(envelope: str, messages: tuple[str, ...]) -> Schema:
    body = {"success": False, "error": ""} if envelope == "ErrorReply" else {"error": ""}
    return {
        "application/json": {
            "schema": {
                "allOf": [
                    {"$ref": REF.format(name=envelope)},
                    {"properties": {"error": _messages_schema(messages)}},
                ]
            },
            "examples": {
                f"message{n}": {"summary": m, "value": {**body, "error": m}} for n, m in enumerate(messages, 1)
            },
        }
    }


def _headers(status: int) -> Schema:
    """The rate-limit headers: always sent on a success, when the key is a customer's otherwise."""
    headers: Schema = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}
    if status == 200:
        headers = {name: {"$ref": f"#/components/headers/{name}Required"} for name in RATE_LIMIT_HEADERS}
    if status == 429:
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return headers


def _value_schema(name: str, kind: object, example: object) -> Schema:
    """A parameter's schema: its type and the bounds ``flashpanel.bounds.PARAMETERS`` gives it."""
    bound = PARAMETERS[name]
    kind = next((arg for arg in get_args(kind) if arg is not type(None)), kind)
    if kind is int:
        low, high = bound.clamp or (bound.low, bound.high)
        return {"type": "integer", "format": "int64", "minimum": low, "maximum": high, "examples": [example]}
    if kind is IdList:
        return {"type": "string", "examples": [example]}
    if name == "link":  # the SMM order rule's shape (smm/service.py::valid_link), refused with 422 otherwise
        pattern = f"^({'|'.join(LINK_SCHEMES)})://[^\\s]+$"
        return {"type": "string", "maxLength": LINK_MAX_LENGTH, "pattern": pattern, "examples": [example]}
    return {"type": "string", "examples": [example]}


def _fields(request: type[msgspec.Struct]) -> list[msgspec.structs.FieldInfo]:
    return list(msgspec.structs.fields(request))


def _query_parameters(
    request: type[msgspec.Struct], params: Mapping[str, Param], required: bool = True
) -> list[Schema]:
    out = []
    for info in _fields(request):
        param = params[info.name]
        schema = _value_schema(info.name, info.type, param.example)
        out.append(
            {
                "name": info.name,
                "in": "query",
                "required": required and info.required,
                "description": param.description,
                "schema": schema,
                "example": param.example,
            }
        )
    return out


def _body_schema(request: type[msgspec.Struct], params: Mapping[str, Param], action: str | None = None) -> Schema:
    properties: Schema = {"action": {"const": action}} if action else {}
    required = ["action"] if action else []
    for info in _fields(request):
        properties[info.name] = {
            "description": params[info.name].description,
            **_value_schema(info.name, info.type, params[info.name].example),
        }
        if info.required:
            required.append(info.name)
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _v1_operation(op: Operation) -> Schema:
    params = dict(op.params)
    operation: Schema = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": f"{op.description}\n\nRate limit class: {RATE_BUDGETS[op.rate_class]}.".strip(),
        "tags": [op.tag],
    }
    if op.reads_body:
        example = {field: param.example for field, param in params.items()}
        schema = {"$ref": REF.format(name=_v1_request_name(op))}
        operation["requestBody"] = {
            "required": True,
            "content": {
                kind: {"schema": schema, **({"example": example} if kind == "application/json" else {})}
                for kind in JSON_AND_FORMS
            },
        }
    else:
        operation["parameters"] = _query_parameters(op.request, params)
    responses: Schema = {
        "200": {
            "description": "Success.",
            "headers": _headers(200),
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(name=op.reply.__name__)},
                    "example": examples.SUCCESS[op.path],
                }
            },
        }
    }
    for status, messages in errors_of(op).items():
        responses[str(status)] = {
            "description": f"{HTTPStatus(status).phrase}. {WHEN[status]}",
            "headers": _headers(status),
            "content": _error_content("ErrorReply", messages),
        }
    operation["responses"] = responses
    return operation


def _v2_operation(method: str, reply_schemas: list[Schema]) -> Schema:
    actions = ", ".join(f"`{name}` ({action.description})" for name, action in v2.ACTIONS.items())
    operation: Schema = {
        "operationId": f"{method}_v2",
        "summary": "SMM panel API v2",
        "description": "One endpoint; `action` selects what it does: "
        + actions
        + '. Every refusal is `{"error": "..."}` with HTTP 200 (but for 413, 429 and 500). '
        "Rate limit classes: services list, add orders, balance balance, every other action status. "
        "See docs/api-v2.md.",
        "tags": ["api v2"],
    }
    if method == "get":
        parameters: list[Schema] = [
            {
                "name": "action",
                "in": "query",
                "required": True,
                "description": "What to do.",
                "schema": {"type": "string", "enum": list(v2.ACTIONS)},
                "example": "balance",
            }
        ]
        seen = {"action"}
        for name, action in v2.ACTIONS.items():
            for parameter in _query_parameters(action.request, action.params, required=False):
                if parameter["name"] not in seen:
                    seen.add(parameter["name"])
                    parameter["description"] = f"{parameter['description']} (`{name}`)"
                    parameters.append(parameter)
        operation["parameters"] = parameters
    else:
        refs = {name: REF.format(name=_v2_request_name(name)) for name in v2.ACTIONS}
        schema = {
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "action", "mapping": refs},
        }
        examples = {
            name: {"value": {"action": name, **{f: p.example for f, p in action.params.items()}}}
            for name, action in v2.ACTIONS.items()
        }
        operation["requestBody"] = {
            "required": True,
            "content": {
                kind: {"schema": schema, **({"examples": examples} if kind == "application/json" else {})}
                for kind in JSON_AND_FORMS
            },
        }
    refusal = {
        "title": "refusal",
        "allOf": [{"$ref": REF.format(name="Refusal")}, {"properties": {"error": _messages_schema(v2.refusals())}}]
    }
    responses: Schema = {
        "200": {
            "description": "The action's reply, or a refusal (without rate-limit headers for a key that is no one's).",
            "headers": _headers(401),
            "content": {"application/json": {"schema": {"anyOf": [*reply_schemas, refusal]}}},
        }
    }
    for status, messages in v2.OTHER_STATUSES.items():
        if status == 413 and method == "get":
            continue
        responses[str(status)] = {
            "description": f"{HTTPStatus(status).phrase}. {WHEN[status]}",
            "headers": _headers(status),
            "content": _error_content("Refusal", messages),
        }
    operation["responses"] = responses
    return operation


def _v1_request_name(op: Operation) -> str:
    return "".join(part.title() for part in op.path.removeprefix("/api/").split("/")) + "Request"


def _v2_request_name(action: str) -> str:
    return "V2" + "".join(part.title() for part in action.split("_")) + "Request"


def _header(description: str, *, required: bool = False) -> Schema:
    return {"description": description, "required": required, "schema": {"type": "integer"}}


def _components(schemas: Schema) -> Schema:
    for op in OPERATIONS:
        if op.reads_body:
            schemas[_v1_request_name(op)] = _body_schema(op.request, dict(op.params))
    for name, action in v2.ACTIONS.items():
        schemas[_v2_request_name(name)] = _body_schema(action.request, action.params, action=name)
    limit = "The key's budget for this class of request."
    remaining = "Requests left in the window."
    reset = "Unix time, in seconds, when the oldest counted request leaves the window."
    headers: Schema = {
        "X-RateLimit-Limit": _header(limit),
        "X-RateLimit-Remaining": _header(remaining),
        "X-RateLimit-Reset": _header(reset),
        "X-RateLimit-LimitRequired": _header(limit, required=True),
        "X-RateLimit-RemainingRequired": _header(remaining, required=True),
        "X-RateLimit-ResetRequired": _header(reset, required=True),
        "Retry-After": _header("Seconds to wait before trying again.", required=True),
    }
    return {
        "schemas": dict(sorted(schemas.items())),
        "headers": headers,
        "securitySchemes": {
            "queryKey": {
                "type": "apiKey",
                "in": "query",
                "name": "key",
                "description": "The key as the API document sends it: `?key=...`.",
            },
            "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An X-API-Key header."},
            "bearerKey": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`."},
        },
    }


def build_document() -> Schema:
    """The OpenAPI document (a fresh dict each call)."""
    types = _reply_types()
    generated, schemas = msgspec.json.schema_components(types, schema_hook=_hook, ref_template=REF)
    by_type = dict(zip(map(repr, types), generated, strict=True))
    paths: Schema = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _v1_operation(op)
    v2_replies = [
        {"title": f"{name} ({('one', 'many')[n]})" if len(action.replies) > 1 else name, **by_type[repr(reply)]}
        for name, action in v2.ACTIONS.items()
        for n, reply in enumerate(action.replies)
    ]
    paths[v2.PATH] = {method: _v2_operation(method, v2_replies) for method in ("get", "post")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "flashpanel API", "version": __version__, "description": INTRO},
        "tags": [
            {"name": "wallet", "description": "Your balance."},
            {"name": "smm", "description": "SMM services and orders."},
            {"name": "otp", "description": "Virtual numbers for one verification SMS."},
            {"name": "accounts", "description": "Pre-stocked accounts."},
            {"name": "api v2", "description": "The SMM panel API v2 (docs/api-v2.md)."},
        ],
        "security": SECURITY,
        "paths": paths,
        "components": _components(dict(schemas)),
    }


@cache
def document_bytes() -> bytes:
    """The document as served and checked in: indented JSON, UTF-8, ending with a newline."""
    return (json.dumps(build_document(), indent=2, ensure_ascii=False) + "\n").encode()
