"""flashpanel's own access log: one line per request, built from what can never hold an API key.

A line is the client address, the method, the path **without its query string**, the status and the
time taken: ``127.0.0.1:50432 - "GET /api/v1/balance" 200 0.9ms``. Keys travel in the query string, in
headers and in bodies, and none of those is ever written, so no spelling of a key (``?%6Bey=``,
repeated parameters, a v2 form body) can reach the log; redacting uvicorn's line with a pattern could
only catch the spellings someone thought of. The path is logged as the client sent it (still
percent-encoded), so it cannot carry a line break into the log either.
"""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any
from urllib.parse import quote

ACCESS = logging.getLogger("flashpanel.access")

Scope = dict[str, Any]
Message = dict[str, Any]


class AccessLog:
    """ASGI middleware writing the access line once the response is sent (``flashpanel.access``, INFO)."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 0

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        except BaseException:
            status = status or 500  # what the server answers when the application fails before responding
            raise
        finally:
            client = scope.get("client")
            ACCESS.info(
                '%s - "%s %s" %s %.1fms',
                f"{client[0]}:{client[1]}" if client else "-",
                scope["method"],
                request_path(scope),
                status or "-",  # "-": the client left before any response
                (perf_counter() - started) * 1000,
            )


def request_path(scope: Scope) -> str:
    """The path as sent, without the query string (ASGI servers keep the query in ``query_string``)."""
    raw: bytes | None = scope.get("raw_path")
    if raw is None:  # optional in ASGI: encode the decoded path again, control characters included
        return quote(scope["path"], safe="/")
    return raw.partition(b"?")[0].decode("ascii", "backslashreplace")
