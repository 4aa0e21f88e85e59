"""Assertions and accessors shared by the tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from litestar import Litestar

from flashpanel.state import AppState


def state_of(app: Litestar) -> AppState:
    state: AppState = app.state.fp
    return state


def asgi_transport(
    app: Callable[..., Awaitable[None]], *, client: tuple[str, int] = ("127.0.0.1", 123)
) -> httpx.ASGITransport:
    """An httpx transport that serves ``app`` (the Litestar app, or it wrapped in middleware) in-process.

    httpx spells an ASGI app's arguments as plain mappings, Litestar as TypedDict scopes and events: the
    same protocol, but Litestar's signature is not assignable to httpx's under ``mypy --strict``. Taking
    the app as any callable returning an awaitable bridges the two without a cast or an ignore."""
    return httpx.ASGITransport(app=app, client=client)


def assert_error(response: Any, status: int, contains: str | None = None) -> None:
    """The one error envelope, with the expected status and (part of) the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"}, body
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    if contains is not None:
        assert contains.lower() in body["error"].lower(), body["error"]


def run_cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run ``flashpanel ARGS...`` in-process, with ``stdin`` as its standard input: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from flashpanel.cli import app

    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr
