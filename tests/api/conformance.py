"""Checking a served answer against the OpenAPI document: its status is declared for the operation, its
content type is the declared one, its required headers are there and its body validates against the
declared schema (JSON Schema 2020-12, ``$ref`` resolved inside the document)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import httpx
import jsonschema_rs

from flashpanel.api.openapi import document_bytes

Document = dict[str, Any]


@cache
def document() -> Document:
    loaded: Document = json.loads(document_bytes())
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and len(node) == 1:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def declared_response(method: str, path: str, status: int) -> dict[str, Any]:
    operation = document()["paths"][path][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, declared: {sorted(responses)}"
    declared: dict[str, Any] = responses[str(status)]
    return declared


def schema_errors(schema: dict[str, Any], body: Any) -> list[str]:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": document()["components"], **schema}
    validator = jsonschema_rs.validator_for(root)
    return [f"{'/'.join(map(str, error.instance_path))}: {error.message}" for error in validator.iter_errors(body)]


def assert_conforms(response: httpx.Response, *, path: str | None = None) -> Any:
    """Check ``response`` against the document's operation for its request; returns the decoded body."""
    method = response.request.method
    path = path or response.request.url.path
    declared = declared_response(method, path, response.status_code)
    content_type = response.headers["content-type"].split(";")[0]
    assert content_type in declared["content"], f"{method} {path} {response.status_code}: {content_type}"
    for name, header in declared.get("headers", {}).items():
        if _resolve(header).get("required"):
            assert name.lower() in response.headers, f"{method} {path} {response.status_code}: no {name} header"
    body = response.json()
    errors = schema_errors(declared["content"][content_type]["schema"], body)
    assert not errors, f"{method} {path} {response.status_code} {body!r}: {errors}"
    return body
