"""PostgreSQL sessions the server ends (a restart, an administrator's kill): the event loop's read pool
reconnects without answering an error, even when every idle connection was dropped at once."""

from __future__ import annotations

import asyncio

import pytest

from flashpanel.db.runner import Conn, open_database


async def test_a_read_after_every_pooled_connection_was_dropped_answers_on_a_fresh_one(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections are files, the server cannot drop them")
    db = open_database(database_url, pool_size=3)
    killer = open_database(database_url, pool_size=1)

    def backend_pid(conn: Conn) -> int:
        conn.scalar("SELECT pg_sleep(0.05)")  # held long enough that the three reads use three connections
        return int(conn.scalar("SELECT pg_backend_pid()"))

    try:
        pids = set(await asyncio.gather(*(db.read(backend_pid) for _ in range(3))))
        assert len(pids) == 3
        ended = killer.read_sync(
            lambda c: c.all("SELECT pg_terminate_backend(pid) AS ended FROM unnest(?::int[]) AS pid", (sorted(pids),))
        )
        assert [row["ended"] for row in ended] == [True, True, True]
        assert await db.read(lambda c: c.scalar("SELECT 41 + 1")) == 42
        assert await db.read(backend_pid) not in pids
    finally:
        killer.close()
        db.close()
