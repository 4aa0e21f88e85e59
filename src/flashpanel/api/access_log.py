"""flashpanel's own access log: one line per request, built from what can never hold an API key.

A line is the client address, the method, the path **without its query string**, the status and the
time taken: ``127.0.0.1:50432 - "GET /api/v1/balance" 200 0.9ms``. Keys travel in the query string, in
headers and in bodies, and none of those is ever written, so no spelling of a key (``?%6Bey=``,
repeated parameters, a v2 form body) can reach the log; redacting a server's line with a pattern could
only catch the spellings someone thought of. The path is logged as the client sent it (still
percent-encoded), so it cannot carry a line break into the log either.

Where lines go: by default to the ``flashpanel.access`` logger (INFO). ``flashpanel serve`` hands the
middleware a :class:`BufferedLines` writer instead: a ``logging`` record and a ``write`` + ``flush``
per request cost about a quarter of a ``GET /balance`` (docs/decisions.md, D40), while appending a
formatted line to a list and writing the batch a few times a second costs almost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from time import perf_counter
from typing import Any, TextIO
from urllib.parse import quote

from flashpanel.api.request_metrics import RequestStats

ACCESS = logging.getLogger("flashpanel.access")
_RESET_TOKEN = re.compile(r"^/reset/[^/]+")

Scope = dict[str, Any]
Message = dict[str, Any]


class BufferedLines:
    """Collects access lines and writes them to ``stream`` in one call at most ``interval`` seconds after
    the first one of a batch (or at once past ``max_lines``), from the event loop. A crash may lose the
    last ``interval`` of lines; a shutdown does not (:meth:`flush` runs when the server stops)."""

    __slots__ = ("_lines", "_scheduled", "interval", "max_lines", "prefix", "stream")

    def __init__(self, stream: TextIO, *, prefix: str = "INFO:     ", interval: float = 0.25, max_lines: int = 512):
        self.stream = stream
        self.prefix = prefix
        self.interval = interval
        self.max_lines = max_lines
        self._lines: list[str] = []
        self._scheduled = False

    def write(self, line: str) -> None:
        lines = self._lines
        lines.append(self.prefix + line + "\n")
        if len(lines) >= self.max_lines:
            self.flush()
        elif not self._scheduled:
            try:
                asyncio.get_running_loop().call_later(self.interval, self.flush)
            except RuntimeError:  # no event loop (a test calling the app synchronously): write now
                self.flush()
                return
            self._scheduled = True

    def flush(self) -> None:
        self._scheduled = False
        if not self._lines:
            return
        batch, self._lines = self._lines, []
        try:
            self.stream.write("".join(batch))
            self.stream.flush()
        except (OSError, ValueError):  # a closed or full stdout must never fail a request
            pass


class AccessLog:
    """ASGI middleware noting each request once the response is sent: its access line (unless
    ``write_lines`` is off) and its count and time in ``stats`` (the request metrics), if given."""

    __slots__ = ("app", "lines", "stats", "write_lines")

    def __init__(
        self,
        app: Any,
        lines: BufferedLines | None = None,
        *,
        stats: RequestStats | None = None,
        write_lines: bool = True,
    ) -> None:
        self.app = app
        self.lines = lines  # None: each line is a record of the ``flashpanel.access`` logger
        self.stats = stats
        self.write_lines = write_lines

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan" and (self.lines is not None or self.stats is not None):
                await self.app(scope, receive, _flushing_on_shutdown(send, self.lines, self.stats))
                return
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
            took = perf_counter() - started
            if self.stats is not None:
                self.stats.record(scope["path"], status, took)
            if self.write_lines:
                client = scope.get("client")
                where = f"{client[0]}:{client[1]}" if client else "-"
                # "-": the client left before any response
                line = f'{where} - "{scope["method"]} {request_path(scope)}" {status or "-"} {took * 1000:.1f}ms'
                if self.lines is None:
                    ACCESS.info("%s", line)
                else:
                    self.lines.write(line)


def _flushing_on_shutdown(send: Any, lines: BufferedLines | None, stats: RequestStats | None) -> Any:
    async def send_and_flush(message: Message) -> None:
        if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            if lines is not None:
                lines.flush()
            if stats is not None:
                stats.flush()
        await send(message)

    return send_and_flush


def request_path(scope: Scope) -> str:
    """The path as sent, without the query string (ASGI servers keep the query in ``query_string``), and
    with the token of a password-reset link (``/reset/<token>``) replaced: it is a credential for an hour."""
    path = _path_as_sent(scope)
    if path.startswith("/reset/"):
        return _RESET_TOKEN.sub("/reset/[redacted]", path)
    return path


def _path_as_sent(scope: Scope) -> str:
    raw: bytes | None = scope.get("raw_path")
    if raw is None:  # optional in ASGI: encode the decoded path again, control characters included
        return quote(scope["path"], safe="/")
    return raw.partition(b"?")[0].decode("ascii", "backslashreplace")
