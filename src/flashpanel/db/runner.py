"""Units of work on the raw drivers, one thread hop each.

A unit of work is a plain synchronous function ``fn(conn, **kwargs)`` holding all the SQL of one
business operation (a purchase, a refund, a history page). ``Database.write`` runs it inside one
transaction on a dedicated thread and hands back its result; an exception rolls everything back.
Nothing on a request path talks to the database any other way.

- SQLite (the embedded default): one writer thread holding the only write connection (``BEGIN
  IMMEDIATE``, with group commit: ``db/sqlite_writer.py``), reads on the event loop's own connection
  (blocking callers use a few reader threads); WAL mode lets readers run beside the writer.
- PostgreSQL: reads run on the event loop, psycopg's async driver running the same unit-of-work
  functions inside a greenlet (``db/postgres_async.py``); writes and blocking callers use a fixed set
  of threads, each owning one psycopg connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from flashpanel.db.postgres_async import AsyncPostgres, Result, await_only
from flashpanel.db.sqlite_writer import SqliteWriter

P = ParamSpec("P")
T = TypeVar("T")

Row = Mapping[str, Any]
Params = Sequence[Any] | Mapping[str, Any]


class Conn:
    """A thin wrapper over one DB-API connection: SQL is written with ``?`` placeholders everywhere."""

    __slots__ = ("_raw", "dialect", "is_postgres")

    def __init__(self, raw: Any, dialect: str) -> None:
        self._raw = raw
        self.dialect = dialect
        self.is_postgres = dialect == "postgresql"

    def execute(self, sql: str, params: Params = ()) -> Any:
        if self.is_postgres:
            sql = _to_pyformat(sql)
        return self._raw.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if self.is_postgres:
            with self._raw.cursor() as cur:
                cur.executemany(_to_pyformat(sql), rows)
        else:
            self._raw.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        rows: list[Row] = self.execute(sql, params).fetchall()
        return rows

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else next(iter(row.values())) if self.is_postgres else row[0]

    @property
    def for_update_skip_locked(self) -> str:
        """Row-claim suffix: PostgreSQL skips rows another transaction holds; SQLite's single
        writer already serialises claims, so it needs none."""
        return " FOR UPDATE SKIP LOCKED" if self.is_postgres else ""

    @property
    def for_update(self) -> str:
        return " FOR UPDATE" if self.is_postgres else ""


class AsyncConn(Conn):
    """The same interface on a psycopg ``AsyncConnection``, for units of work run by
    :class:`~flashpanel.db.postgres_async.AsyncPostgres` (each statement awaits on the event loop)."""

    __slots__ = ()

    def execute(self, sql: str, params: Params = ()) -> Any:
        return Result(await_only(self._raw.execute(_to_pyformat(sql), params)))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        await_only(self._raw.cursor().executemany(_to_pyformat(sql), rows))


_PYFORMAT_CACHE: dict[str, str] = {}


def _to_pyformat(sql: str) -> str:
    converted = _PYFORMAT_CACHE.get(sql)
    if converted is None:
        if "%" in sql:
            raise ValueError("SQL for both dialects must not contain '%'")
        converted = sql.replace("?", "%s")
        _PYFORMAT_CACHE[sql] = converted
    return converted


def is_unique_violation(exc: BaseException) -> bool:
    """Whether a driver error is a unique-constraint violation (sqlite3 or psycopg)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return type(exc).__name__ == "UniqueViolation"


def now() -> float:
    """Timestamps are stored as UTC epoch seconds (a float) on both dialects."""
    return time.time()


class Database:
    """Runs units of work. Create with :func:`open_database`; close with :meth:`close`."""

    def __init__(self, url: str, *, pool_size: int = 4) -> None:
        self.url = url
        self.dialect = "postgresql" if url.startswith(("postgresql", "postgres:")) else "sqlite"
        self.is_postgres = self.dialect == "postgresql"
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._inline_reads = not self.is_postgres
        self._sqlite_writer: SqliteWriter | None = None
        self._async_postgres: AsyncPostgres | None = None
        if self.is_postgres:
            self._writer = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="fp-db")
            self._reader = self._writer
            self._async_postgres = AsyncPostgres(
                postgres_dsn(url), size=pool_size, make_conn=lambda raw: AsyncConn(raw, "postgresql")
            )
        else:
            self._sqlite_path = sqlite_path(url)
            self._sqlite_writer = SqliteWriter(self._connect)
            self._reader = ThreadPoolExecutor(max_workers=max(1, min(pool_size, 4)), thread_name_prefix="fp-db-reader")

    # -- async API, for request handlers and background loops --------------------------------
    async def write(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in one write transaction, off the event loop, and return its result. On SQLite
        the transaction may hold other units too (group commit, ``db/sqlite_writer.py``); ``fn``'s
        writes still stand or fall together, and this returns once they are committed."""
        if self._sqlite_writer is not None:
            result: T = await self._sqlite_writer.run(fn, args, kwargs)
            return result
        # PostgreSQL writes stay on the threads: a unit of several round trips holds its connection
        # longer on a busy event loop than on a thread that resumes as soon as its answer arrives (D44).
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, partial(self._in_transaction, fn, args, kwargs, True))

    async def read(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` read-only: on SQLite in one read transaction (one snapshot for all its statements);
        on PostgreSQL in autocommit, since READ COMMITTED gives each statement its own snapshot anyway.

        On SQLite the read runs right here, on the event loop's own connection: every read flashpanel
        makes is an index-bounded lookup of tens of microseconds, WAL readers never wait for the writer,
        and the thread hop it saves was the largest single cost of a balance request (21% of CPU in the
        profile, docs/benchmarks.md). PostgreSQL reads, which wait on the network, go to the pool."""
        return await self._read(fn, args, kwargs, False)

    async def lookup(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Like :meth:`read`, for a unit of work of exactly **one** statement: on SQLite it runs without
        ``BEGIN``/``COMMIT``, since a lone statement is its own snapshot. (On PostgreSQL every read
        already runs that way.)"""
        return await self._read(fn, args, kwargs, None)

    # -- blocking API, for the CLI, tests and threads that are not the event loop -------------
    def write_sync(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        if self._sqlite_writer is not None:
            result: T = self._sqlite_writer.run_sync(fn, args, kwargs)
            return result
        return self._writer.submit(self._in_transaction, fn, args, kwargs, True).result()

    def read_sync(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._reader.submit(self._in_transaction, fn, args, kwargs, False).result()

    def close(self) -> None:
        if self._sqlite_writer is not None:
            self._sqlite_writer.close()
        else:
            self._writer.shutdown(wait=True)
        if self._async_postgres is not None:
            self._async_postgres.close()
        self._reader.shutdown(wait=True)
        with self._lock:
            for raw in self._connections:
                with contextlib.suppress(Exception):  # closing from another thread is best effort
                    raw.close()
            self._connections.clear()

    # -- internals -------------------------------------------------------------------------------
    async def _read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], write: bool | None) -> T:
        if self._inline_reads:
            return self._in_transaction(fn, args, kwargs, write)
        assert self._async_postgres is not None  # PostgreSQL reads: autocommit, statement by statement
        return await self._async_postgres.run(fn, args, kwargs, write=False)

    def _in_transaction(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], write: bool | None
    ) -> T:
        """Run ``fn`` on this thread's connection: in a write transaction, a read-only one, or, with
        ``write=None``, in none (a single statement, see :meth:`lookup`)."""
        if self.is_postgres:
            self._local.commit_sent = False
            try:
                return self._on_postgres(fn, args, kwargs, write)
            except Exception:
                if getattr(self._local, "conn", None) is not None or self._local.commit_sent:
                    raise
                # The server dropped the connection (a restart, an administrator's kill) before this unit
                # asked to COMMIT: PostgreSQL rolled it back, so it wrote nothing and runs once more on a
                # fresh connection rather than answer 500. A drop during COMMIT is not retried: the
                # transaction may have committed, and doing it twice could move money twice (D74).
                return self._on_postgres(fn, args, kwargs, write)
        conn = self._thread_conn()
        raw = conn._raw
        if write is None:
            return fn(conn, *args, **kwargs)
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = fn(conn, *args, **kwargs)
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
        return result

    def _on_postgres(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], write: bool | None
    ) -> T:
        conn = self._thread_conn()
        raw = conn._raw
        try:
            if not write:
                # Under READ COMMITTED every statement takes its own snapshot, inside a transaction or
                # not, so a read-only unit gains nothing from BEGIN/COMMIT but two round trips.
                return fn(conn, *args, **kwargs)
            with raw.transaction():
                result = fn(conn, *args, **kwargs)
                self._local.commit_sent = True  # leaving the block sends COMMIT
            return result
        finally:
            if raw.closed or raw.broken:
                # The server restarted or killed the session: reconnect on this thread's next unit of
                # work instead of failing every later request.
                self._local.conn = None
                with self._lock, contextlib.suppress(ValueError):
                    self._connections.remove(raw)

    def _thread_conn(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _connect(self) -> Conn:
        if self.is_postgres:
            import psycopg
            from psycopg.rows import dict_row

            raw: Any = psycopg.connect(postgres_dsn(self.url), autocommit=True, row_factory=dict_row)
        else:
            raw = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False, timeout=30)
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._connections.append(raw)
        return Conn(raw, self.dialect)


def sqlite_path(url: str) -> str:
    """``sqlite:///./x.db`` → ``./x.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``. Creates the parent
    folder, and the file itself when missing, readable by its owner only (0600): it holds every balance
    and API key digest. SQLite gives the -wal and -shm files it creates the database file's mode."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"unsupported database URL: {url!r}")
    path = url[len("sqlite:///") :]
    if path in ("", ":memory:"):
        raise ValueError("flashpanel needs a file-backed SQLite database (WAL mode)")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def postgres_dsn(url: str) -> str:
    """Strip a SQLAlchemy driver suffix so psycopg accepts the URL."""
    _scheme, sep, rest = url.partition("://")
    return "postgresql://" + rest if sep else url


def sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_database(url: str, *, pool_size: int = 4) -> Database:
    return Database(url, pool_size=pool_size)
