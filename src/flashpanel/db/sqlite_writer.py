"""The SQLite writer: one thread, the only write connection, and group commit.

Units of work queue up while the writer is busy. It then runs every queued unit (up to ``MAX_BATCH``)
in one ``BEGIN IMMEDIATE … COMMIT``, each inside its own ``SAVEPOINT`` so that a unit that raises
rolls back alone. A caller hears back only after the ``COMMIT`` that holds its unit. Each unit stays
atomic and durable on its own, but under load the commit and the wake-up of the event loop are paid
once per batch instead of once per unit (D20 in docs/decisions.md). With one caller at a time a
batch is a single unit and nothing changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flashpanel.metrics import SQLITE_COMMITS, SQLITE_WRITE_UNITS

if TYPE_CHECKING:
    from flashpanel.db.runner import Conn

MAX_BATCH = 64

Outcome = tuple[bool, Any]  # (succeeded, its result or the exception it raised)


@dataclass(slots=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: asyncio.Future[Any] | concurrent.futures.Future[Any]
    loop: asyncio.AbstractEventLoop | None  # None: a blocking caller waits on a concurrent future


class SqliteWriter:
    def __init__(self, connect: Callable[[], Conn]) -> None:
        self._connect = connect
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="fp-db-writer", daemon=True)
        self._thread.start()

    async def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._refuse_if_closed()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Job(fn, args, kwargs, future, loop))
        return await future

    def run_sync(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._refuse_if_closed()
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._queue.put(_Job(fn, args, kwargs, future, None))
        return future.result()

    def close(self) -> None:
        """Commit what is queued, then stop; a unit submitted after this fails with RuntimeError."""
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        self._refuse_late_units()

    def _refuse_late_units(self) -> None:
        late: list[_Job] = []
        with contextlib.suppress(queue.Empty):
            while True:
                job = self._queue.get_nowait()
                if job is not None:
                    late.append(job)
        _settle(late, [(False, RuntimeError("the database is closed"))] * len(late))

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("the database is closed")

    # -- the writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        conn: Conn | None = None
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch, stop = [job], False
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            if conn is None:
                try:
                    conn = self._connect()
                except Exception as exc:  # e.g. an unwritable file: fail these callers, try again next time
                    _settle(batch, [(False, exc)] * len(batch))
                    if stop:
                        return
                    continue
            outcomes = _commit(conn, batch)
            SQLITE_WRITE_UNITS.inc(len(batch))
            SQLITE_COMMITS.inc()
            _settle(batch, outcomes)
            if stop:
                return


def _commit(conn: Conn, batch: list[_Job]) -> list[Outcome]:
    raw = conn._raw
    outcomes: list[Outcome] = []
    try:
        raw.execute("BEGIN IMMEDIATE")
        for job in batch:
            raw.execute("SAVEPOINT unit")
            try:
                value = job.fn(conn, *job.args, **job.kwargs)
            except BaseException as exc:  # this unit's writes go; the others' stay
                raw.execute("ROLLBACK TO unit")
                raw.execute("RELEASE unit")
                outcomes.append((False, exc))
            else:
                raw.execute("RELEASE unit")
                outcomes.append((True, value))
        raw.execute("COMMIT")
    except BaseException as exc:  # the transaction itself failed (e.g. disk full): none of it stands
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        return [(False, exc)] * len(batch)
    return outcomes


def _settle(batch: list[_Job], outcomes: list[Outcome]) -> None:
    """Hand each caller its outcome: one wake-up per event loop for the whole batch."""
    per_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
    for job, outcome in zip(batch, outcomes, strict=True):
        if job.loop is None:
            assert isinstance(job.future, concurrent.futures.Future)
            _resolve(job.future, outcome)
        else:
            assert isinstance(job.future, asyncio.Future)
            per_loop.setdefault(job.loop, []).append((job.future, outcome))
    for loop, settled in per_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve_all, settled)


def _resolve_all(settled: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for future, outcome in settled:
        if not future.done():  # a caller that was cancelled meanwhile no longer wants it
            _resolve(future, outcome)


def _resolve(future: asyncio.Future[Any] | concurrent.futures.Future[Any], outcome: Outcome) -> None:
    succeeded, value = outcome
    if succeeded:
        future.set_result(value)
    else:
        future.set_exception(value)
