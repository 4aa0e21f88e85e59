"""Plumbing shared by the fake upstreams: a tiny ASGI base with fault injection and a control
endpoint, a controllable clock, and :func:`running_fake` to serve one on 127.0.0.1 in a thread."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

Scope = dict[str, Any]


class Clock:
    """Epoch seconds; real time plus an offset, or frozen. ``advance`` moves it forward."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = 0.0

    def __call__(self) -> float:
        base = time.time() if self._frozen_at is None else self._frozen_at
        return base + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Answer:
        return cls(status, json.dumps(data).encode())

    @classmethod
    def text(cls, data: str, status: int = 200) -> Answer:
        return cls(status, data.encode(), "text/plain; charset=utf-8")


HTML_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
FAULT_KINDS = ("500", "html", "empty", "malformed", "slow", "hang", "body")

# What a hostile upstream sends in place of its numbers (``hostile(mode)``): each is short on the wire
# and dangerous to convert carelessly.
HOSTILE_NUMBERS: dict[str, object] = {
    "exponent": "1e300000",  # 8 characters; int(Decimal(...)) of it builds a 300,000-digit integer
    "nan": "NaN",
    "negative": "-5",
    "fractional": "33.5",
    "overflow": 2**64,  # a JSON integer past 64 bits
}
# ``html``: every protocol answer is an HTML page; ``mixed``: each number takes the next hostile form.
HOSTILE_MODES = (*HOSTILE_NUMBERS, "html", "mixed")


@dataclass
class Fault:
    """What the next matching request(s) get instead of a normal answer.

    ``500``/``html``/``empty``/``malformed``: that body, the action is *not* carried out. ``slow``: the
    action *is* carried out, the answer is sent ``seconds`` late (a client timing out then does not know
    the outcome). ``hang``: wait ``seconds``, then a 504, action not carried out. ``body``: send
    ``body`` with ``status`` (an arbitrary upstream answer)."""

    kind: str
    times: int = 1
    action: str | None = None
    seconds: float = 5.0
    body: str = ""
    status: int = 200


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


class FakeUpstream:
    """Base of the fake upstreams: an ASGI app. Subclasses implement :meth:`handle` (state changes
    under ``self.lock``) and list the Python methods reachable through ``POST /_control`` in
    ``CONTROL_OPS`` (body ``{"op": "<method>", ...keyword arguments}``); ``GET /_control`` returns
    :meth:`snapshot`."""

    CONTROL_OPS: frozenset[str] = frozenset()
    MALFORMED_BODY = '{"order": 1'

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.actions: Counter[str] = Counter()
        self.hostile_mode: str | None = None
        self._hostile_turn = 0

    # -- knobs -------------------------------------------------------------------------------------
    def fail_next(
        self,
        kind: str,
        *,
        times: int = 1,
        action: str | None = None,
        seconds: float = 5.0,
        body: str = "",
        status: int = 200,
    ) -> None:
        """Make the next ``times`` requests (for ``action``, or any) fail as ``kind`` (see :class:`Fault`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        with self.lock:
            self.faults.append(Fault(kind, times, action, seconds, body, status))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def hostile(self, mode: str | None = None) -> None:
        """Answer from now on as a hostile upstream: numbers replaced by ``HOSTILE_NUMBERS[mode]`` (huge
        exponent, NaN, negative, fractional, past 64 bits), each number in turn (``mixed``), or HTML pages
        (``html``); ``None`` answers normally again. Orders and activations still happen underneath."""
        if mode is not None and mode not in HOSTILE_MODES:
            raise ValueError(f"unknown hostile mode {mode!r}; one of {HOSTILE_MODES}")
        with self.lock:
            self.hostile_mode = mode

    def number(self, normal: object) -> object:
        """``normal``, or what the hostile mode sends instead."""
        mode = self.hostile_mode
        if mode is None or mode == "html":
            return normal
        if mode == "mixed":
            mode = list(HOSTILE_NUMBERS)[self._hostile_turn % len(HOSTILE_NUMBERS)]
            self._hostile_turn += 1
        return HOSTILE_NUMBERS[mode]

    def _take_fault(self, action: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.action in (None, action):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # -- to override --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        return {"actions": dict(self.actions), "hostile": self.hostile_mode}

    # -- ASGI ---------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        params = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
        if scope["path"].endswith("/_control"):
            answer = self._control(scope["method"], raw)
        else:
            if raw and "json" not in headers.get("content-type", ""):
                params |= dict(parse_qsl(raw.decode(), keep_blank_values=True))
            answer = await self._serve(Request(scope["method"], scope["path"], params, headers))
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(b"content-type", answer.content_type.encode())],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _serve(self, request: Request) -> Answer:
        action = request.params.get("action", "")
        with self.lock:
            self.actions[action] += 1
        fault = self._take_fault(action)
        if fault is None:
            answer = self.handle(request)
            return Answer(200, HTML_PAGE, "text/html") if self.hostile_mode == "html" else answer
        if fault.kind == "slow":
            answer = self.handle(request)
            await asyncio.sleep(fault.seconds)
            return answer
        if fault.kind == "hang":
            await asyncio.sleep(fault.seconds)
            return Answer(504, HTML_PAGE, "text/html")
        if fault.kind == "500":
            return Answer(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        if fault.kind == "html":
            return Answer(200, HTML_PAGE, "text/html")
        if fault.kind == "empty":
            return Answer(200, b"", "text/html")
        if fault.kind == "malformed":
            return Answer(200, self.MALFORMED_BODY.encode())
        return Answer(fault.status, fault.body.encode(), "text/plain")

    def _control(self, method: str, raw: bytes) -> Answer:
        if method == "GET":
            with self.lock:
                return Answer.json(self.snapshot())
        try:
            command = json.loads(raw or b"{}")
            op = command.pop("op")
        except (ValueError, KeyError, AttributeError):
            return Answer.json({"error": 'body must be {"op": NAME, ...arguments}'}, 400)
        if op not in self.CONTROL_OPS:
            return Answer.json({"error": f"unknown op {op!r}", "ops": sorted(self.CONTROL_OPS)}, 400)
        try:
            result = getattr(self, op)(**command)
        except (TypeError, ValueError, KeyError) as exc:
            return Answer.json({"error": f"{exc.__class__.__name__}: {exc}"}, 400)
        return Answer.json({"ok": True, "result": result})


@contextmanager
def running_fake(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields its base URL (``http://127.0.0.1:P``).
    ``port=0`` picks a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, interface="asgi3", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-upstream", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("fake upstream did not start")
        time.sleep(0.005)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Switchboard:
    """An ASGI app forwarding each request to the fake plugged in under the longest matching path
    prefix: one server for a whole test session, fresh fakes per test (starting a server per test costs
    a few hundred milliseconds)."""

    def __init__(self) -> None:
        self.apps: dict[str, Any] = {}

    def plug(self, prefix: str, app: Any) -> None:
        self.apps[prefix] = app

    def unplug(self, prefix: str) -> None:
        self.apps.pop(prefix, None)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        matches = [p for p in self.apps if path.startswith(p)]
        if not matches:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no fake plugged in here"})
            return
        await self.apps[max(matches, key=len)](scope, receive, send)
