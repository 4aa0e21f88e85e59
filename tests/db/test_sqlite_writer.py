"""Group commit on the SQLite writer: units that queue up share one transaction, each still atomic."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from flashpanel.db.runner import Conn, Database, open_database, sqlite_path
from flashpanel.db.sqlite_writer import SqliteWriter


@pytest.fixture
def notes(tmp_path: object) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path}/writer.db")
    database.write_sync(lambda c: c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    yield database
    database.close()


def _writer(database: Database) -> SqliteWriter:
    writer = database._sqlite_writer
    assert writer is not None
    return writer


def _units_and_commits() -> tuple[float, float]:
    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    return sample("flashpanel_sqlite_write_units_total"), sample("flashpanel_sqlite_commits_total")


def _add(conn: Conn, body: str) -> int:
    row = conn.one("INSERT INTO notes (body) VALUES (?) RETURNING id", (body,))
    assert row is not None
    return int(row["id"])


def _add_then_fail(conn: Conn, body: str) -> int:
    _add(conn, body)
    raise ValueError(f"refused {body}")


def _bodies(database: Database) -> list[str]:
    with sqlite3.connect(sqlite_path(database.url)) as other:  # another connection: only committed rows
        return [r[0] for r in other.execute("SELECT body FROM notes ORDER BY id")]


async def _queued_behind_a_busy_writer(database: Database, bodies: list[str]) -> list[int | BaseException]:
    """Start units while the writer is held inside another unit, so they queue and form one batch."""
    inside, release = threading.Event(), threading.Event()

    def hold(conn: Conn) -> None:
        inside.set()
        release.wait(10)

    held = asyncio.create_task(database.write(hold))
    await asyncio.to_thread(inside.wait, 10)
    units = [database.write(_add_then_fail if b.startswith("bad") else _add, b) for b in bodies]
    tasks = [asyncio.ensure_future(u) for u in units]
    await asyncio.sleep(0)  # every task has queued its unit
    release.set()
    await held
    return await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_failing_unit_in_a_batch_rolls_back_alone_and_each_caller_gets_its_own_outcome(
    notes: Database,
) -> None:
    before = _units_and_commits()
    results = await _queued_behind_a_busy_writer(notes, ["a", "bad-1", "b", "c", "bad-2", "d"])
    assert [type(r) for r in results] == [int, ValueError, int, int, ValueError, int]
    assert str(results[1]) == "refused bad-1"
    assert _bodies(notes) == ["a", "b", "c", "d"]
    units, commits = (after - earlier for after, earlier in zip(_units_and_commits(), before, strict=True))
    assert units == 7 and commits == 2  # the holding unit alone, then the six queued ones together


async def test_a_caller_hears_back_only_once_its_unit_is_committed(notes: Database) -> None:
    seen_by_others: list[list[str]] = []

    async def add_and_look(body: str) -> None:
        await notes.write(_add, body)
        seen_by_others.append(_bodies(notes))

    await asyncio.gather(*(add_and_look(f"n{i}") for i in range(20)))
    assert len(seen_by_others) == 20
    for i, bodies in enumerate(seen_by_others):
        assert len(bodies) >= i + 1  # every answer so far is visible to any other connection


def test_blocking_callers_share_the_writer_with_async_ones(notes: Database) -> None:
    assert notes.write_sync(_add, "sync") == 1
    with pytest.raises(ValueError, match="refused bad"):
        notes.write_sync(_add_then_fail, "bad")
    assert _bodies(notes) == ["sync"]


def test_close_commits_what_is_queued_before_it_stops(tmp_path: object) -> None:
    database = open_database(f"sqlite:///{tmp_path}/close.db")
    database.write_sync(lambda c: c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    writer = _writer(database)
    inside, release = threading.Event(), threading.Event()

    def hold(conn: Conn) -> None:
        inside.set()
        release.wait(10)

    threads = [threading.Thread(target=database.write_sync, args=(hold,))]
    threads[0].start()
    assert inside.wait(10)
    threads += [threading.Thread(target=database.write_sync, args=(_add, f"q{i}")) for i in range(5)]
    for thread in threads[1:]:
        thread.start()
    while writer._queue.qsize() < 5:  # all five are queued behind the held unit
        time.sleep(0.001)
    closing = threading.Thread(target=database.close)
    closing.start()
    release.set()
    closing.join(10)
    for thread in threads:
        thread.join(10)
    assert not closing.is_alive()
    assert sorted(_bodies(database)) == [f"q{i}" for i in range(5)]
    with pytest.raises(RuntimeError, match="closed"):
        database.write_sync(_add, "too late")


def test_a_connection_that_cannot_be_opened_fails_its_callers_instead_of_stopping_the_writer() -> None:
    attempts: list[int] = []

    def connect() -> Conn:
        attempts.append(1)
        if len(attempts) == 1:
            raise sqlite3.OperationalError("unable to open database file")
        return Conn(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False), "sqlite")

    writer = SqliteWriter(connect)
    try:
        with pytest.raises(sqlite3.OperationalError, match="unable to open"):
            writer.run_sync(lambda c: c.scalar("SELECT 1"), (), {})
        assert writer.run_sync(lambda c: c.scalar("SELECT 1"), (), {}) == 1
    finally:
        writer.close()
