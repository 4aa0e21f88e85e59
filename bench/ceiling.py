"""The ceiling: a bare app returning a constant JSON body of the same shape as ``GET /balance``.

Served by the same uvicorn, with the same worker count and flags as flashpanel, so that the ratio
flashpanel / ceiling measures what flashpanel itself costs on this machine at this moment. It answers
every path and both GET and POST, so the same wrk scripts (same keys, same bodies) drive both sides.

Starlette is not a flashpanel dependency: ``bench/run.py`` installs it into ``bench/.deps`` (never into
the project's venv). If that fails, the same constant body is served by a pure ASGI callable, which is
slightly faster than Starlette, so ratios would only be lower (stricter); the driver says which it used.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"success":true,"data":{"balance":"15000.00","currency":"NGN"}}'

try:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    IMPLEMENTATION = "starlette"

    async def constant(request: Request) -> Response:
        return Response(BODY, media_type="application/json")

    app: Any = Starlette(routes=[Route("/{path:path}", constant, methods=["GET", "POST"])])

except ImportError:  # pragma: no cover - fallback documented above
    IMPLEMENTATION = "pure-asgi"
    _HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        more = True
        while more:  # drain the request body (POST scenarios)
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": BODY})
