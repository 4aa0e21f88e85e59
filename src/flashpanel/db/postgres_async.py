"""PostgreSQL units of work on the event loop: psycopg's async driver, with no thread hop.

A unit of work stays one plain synchronous function ``fn(conn, **kwargs)`` (D1: one implementation of
every rule, run the same way on SQLite). Here it runs inside a greenlet: each statement hands its
coroutine to the event loop (:func:`await_only`), which awaits it and switches back with the result,
the technique SQLAlchemy's asyncio extension is built on. The thread hop each unit of work paid on
PostgreSQL (a queue, a thread wake-up and a GIL hand-over each way) was a third of a GET /balance
(docs/decisions.md, D44).

Connections: up to ``size`` per process, opened on first use, in autocommit; a write unit runs in
``BEGIN`` ... ``COMMIT``, a read unit statement by statement (READ COMMITTED gives each statement its
own snapshot anyway). psycopg prepares a statement server-side once it has run 5 times on a
connection. Blocking callers (the CLI, tests, threads) keep the thread pool of ``db/runner.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet  # type: ignore[import-untyped]

T = TypeVar("T")


class _UnitGreenlet(greenlet):  # type: ignore[misc]
    """The greenlet a unit of work runs in; its parent is the task awaiting on its behalf."""

    __slots__ = ()


def await_only(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` from synchronous code running in :func:`run_sync`: the event loop awaits it
    while this greenlet is suspended, and its result (or exception) comes back here."""
    current = getcurrent()
    if not isinstance(current, _UnitGreenlet):
        raise RuntimeError("await_only() outside a unit of work started by run_sync()")
    result: T = current.parent.switch(awaitable)
    return result


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the synchronous ``fn`` on this event loop, awaiting whatever it passes to :func:`await_only`."""
    unit = _UnitGreenlet(fn, getcurrent())
    step = unit.switch(*args, **kwargs)
    while not unit.dead:
        try:
            value = await step
        except BaseException:
            step = unit.throw(*sys.exc_info())
        else:
            step = unit.switch(value)
    result: T = step
    return result


class Result:
    """A statement's result, read synchronously (psycopg has already fetched the rows)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def fetchone(self) -> Any:
        return await_only(self._cursor.fetchone())

    def fetchall(self) -> list[Any]:
        rows: list[Any] = await_only(self._cursor.fetchall())
        return rows


class AsyncPostgres:
    """A per-process pool of psycopg ``AsyncConnection``\\ s running units of work (see the module)."""

    def __init__(self, dsn: str, *, size: int, make_conn: Callable[[Any], Any]) -> None:
        self.dsn = dsn
        self.size = size
        self._make_conn = make_conn  # wraps a raw connection in the unit-of-work Conn
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None  # one per connection that may be open
        self._idle: list[Any] = []
        self._open: list[Any] = []

    async def run(self, fn: Callable[..., T], args: Sequence[Any], kwargs: dict[str, Any], *, write: bool) -> T:
        conn = await self._acquire()
        try:
            if write:
                async with conn._raw.transaction():
                    return await run_sync(fn, conn, *args, **kwargs)
            try:
                return await run_sync(fn, conn, *args, **kwargs)
            except Exception:
                if not (conn._raw.closed or conn._raw.broken):
                    raise
                # A read that met a connection the server had dropped wrote nothing: run it once more
                # on a fresh connection rather than answer 500. The idle ones were most likely dropped
                # with it (a restart ends every session), so they are closed rather than tried in turn.
                self._release(conn)
                self._close_idle()
                conn = await self._acquire()
                return await run_sync(fn, conn, *args, **kwargs)
        finally:
            self._release(conn)

    async def _acquire(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new event loop (tests): connections belong to one
            self.close()
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        assert self._slots is not None
        await self._slots.acquire()
        if self._idle:
            return self._idle.pop()
        try:
            import psycopg
            from psycopg.rows import dict_row

            raw = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, row_factory=dict_row)
        except BaseException:
            self._slots.release()
            raise
        conn = self._make_conn(raw)
        self._open.append(conn)
        return conn

    def _release(self, conn: Any) -> None:
        """Hand the connection back when it is idle and sound; close it otherwise (a later unit opens
        another). Either way its slot is free again."""
        if conn not in self._open:  # closed meanwhile (a new event loop, or shutdown)
            return
        raw = conn._raw
        if raw.closed or raw.broken or raw.info.transaction_status:  # not IDLE (0): do not reuse
            self._open.remove(conn)
            with contextlib.suppress(Exception):
                raw.pgconn.finish()
        else:
            self._idle.append(conn)
        if self._slots is not None:
            self._slots.release()

    def _close_idle(self) -> None:
        for conn in self._idle:
            self._open.remove(conn)
            with contextlib.suppress(Exception):
                conn._raw.pgconn.finish()
        self._idle.clear()

    def close(self) -> None:
        """Close every connection (synchronously: the socket is closed, any transaction rolled back)."""
        for conn in self._open:
            with contextlib.suppress(Exception):
                conn._raw.pgconn.finish()
        self._open.clear()
        self._idle.clear()
        self._slots = None
        self._loop = None
