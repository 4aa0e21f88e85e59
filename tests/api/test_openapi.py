"""The OpenAPI document at /docs/openapi.json: complete (every route, parameter, status), bounded as the
bounds table says, closed where the API document fixes a shape, and the same as the checked-in copy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from flashpanel.api.contract import errors_of
from flashpanel.api.openapi import document_bytes
from flashpanel.api.v1 import examples
from flashpanel.api.v1.contract import OPERATIONS
from flashpanel.apiv2.contract import ACTIONS
from flashpanel.bounds import PARAMETERS
from flashpanel.web.docs import reference_page
from tests.api.conformance import document
from tests.helpers import run_cli

CHECKED_IN = Path(__file__).parents[2] / "docs" / "openapi.json"
STATIC = Path(__file__).parents[2] / "src" / "flashpanel" / "web" / "static"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


async def test_the_served_document_is_the_checked_in_one(client: httpx.AsyncClient) -> None:
    served = await client.get("/docs/openapi.json")
    assert served.headers["content-type"].startswith("application/json")
    assert served.content == CHECKED_IN.read_bytes(), "refresh it: flashpanel dev openapi > docs/openapi.json"


def test_flashpanel_dev_openapi_prints_the_served_document() -> None:
    code, out, err = run_cli("dev", "openapi")
    assert code == 0, err
    assert out.encode() == document_bytes()


def test_every_api_route_of_the_app_is_in_the_document(app: Litestar) -> None:
    served = {
        (method.lower(), route.path)
        for route in app.routes
        if route.path.startswith("/api/")
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler)
        for method in handler.http_methods
        if method not in ("HEAD", "OPTIONS")
    }
    declared = {(method, path) for path, item in document()["paths"].items() for method in item}
    assert served == declared
    assert len([path for path in document()["paths"] if path.startswith("/api/v1/")]) == 16


def test_every_parameter_has_a_type_its_bounds_and_an_example() -> None:
    for op in OPERATIONS:
        declared = document()["paths"][op.path][op.method.lower()]
        if op.reads_body:
            ref = declared["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = document()["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert schema["additionalProperties"] is False
            fields = {name: (name in schema.get("required", []), value) for name, value in schema["properties"].items()}
        else:
            fields = {p["name"]: (p["required"], p["schema"]) for p in declared["parameters"]}
            assert all("example" in p for p in declared["parameters"])
        assert list(fields) == [f.name for f in msgspec.structs.fields(op.request)], op.path
        for info in msgspec.structs.fields(op.request):
            required, schema = fields[info.name]
            assert required == info.required and schema["examples"], (op.path, info.name)
            if schema["type"] == "integer":
                bound = PARAMETERS[info.name]
                assert (schema["minimum"], schema["maximum"]) == (bound.clamp or (bound.low, bound.high))


def test_the_api_documents_example_of_each_success_fits_the_declared_reply_exactly() -> None:
    for op in OPERATIONS:
        example = document()["paths"][op.path][op.method.lower()]["responses"]["200"]["content"]["application/json"]
        assert example["example"] == examples.SUCCESS[op.path]
        msgspec.convert(example["example"], type=op.reply, strict=True)  # closed: no field the document lacks


def test_api_v2_declares_each_action_with_its_parameters() -> None:
    post = document()["paths"]["/api/v2"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    mapping = post["schema"]["discriminator"]["mapping"]
    assert list(mapping) == list(ACTIONS)
    schemas = document()["components"]["schemas"]
    for action, contract in ACTIONS.items():
        schema = schemas[mapping[action].rsplit("/", 1)[1]]
        assert schema["properties"]["action"] == {"const": action}
        assert set(schema["properties"]) == {"action", *(f.name for f in msgspec.structs.fields(contract.request))}
        assert all(value.get("examples") for name, value in schema["properties"].items() if name != "action")
    get_parameters = {p["name"] for p in document()["paths"]["/api/v2"]["get"]["parameters"]}
    assert get_parameters == {"action"} | {name for contract in ACTIONS.values() for name in contract.params}


def test_every_status_is_listed_with_a_concrete_schema_and_no_default() -> None:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            assert "default" not in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5][0-9]{2}", status)
                assert response["content"]["application/json"]["schema"], (method, path, status)
    for op in OPERATIONS:
        declared = document()["paths"][op.path][op.method.lower()]["responses"]
        assert list(declared) == ["200", *map(str, errors_of(op))]


def test_reply_shapes_are_closed_and_429_says_when_to_retry() -> None:
    for name, schema in document()["components"]["schemas"].items():
        if schema.get("type") == "object" and "properties" in schema:
            assert schema.get("additionalProperties") is False, name
    for node in _walk(document()["paths"]):
        if "429" in node and isinstance(node["429"], dict):
            assert "Retry-After" in node["429"]["headers"]


def test_the_three_ways_of_sending_the_key_are_security_schemes() -> None:
    schemes = document()["components"]["securitySchemes"]
    assert {(s["type"], s.get("in"), s.get("name"), s.get("scheme")) for s in schemes.values()} == {
        ("apiKey", "query", "key", None),
        ("apiKey", "header", "X-API-Key", None),
        ("http", None, None, "bearer"),
    }
    assert document()["security"] == [{name: []} for name in schemes]


async def test_the_reference_page_and_its_boot_script_are_served_with_no_outside_address(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and page.content == reference_page()
    scripts = re.findall(r'<script src="([^"]+)"></script>', page.text)
    assert len(scripts) == 2 and "<script>" not in page.text
    for src in scripts:
        assert src.startswith("/static/") and (await client.get(src)).status_code == 200
    assert 'data-schema-url="/docs/openapi.json"' in page.text
    boot = (STATIC / "docs.js").read_text()
    assert "validatorUrl: null" in boot  # Swagger UI would otherwise fetch a badge from an outside validator
    assert not re.search(r"https?://", page.text + boot)
    assert not any(str(v).startswith("http") for n in _walk(json.loads(document_bytes())) for v in n.get("servers", []))
