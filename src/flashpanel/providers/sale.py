"""Which providers take new orders: the one rule the SMM and OTP catalogs and purchases apply.

A service is sold only through a provider, and a provider takes new orders only while it is active and,
for the built-in simulator (kind ``simulator``, which sells fake goods), only while ``FLASHPANEL_SIMULATORS``
is on. A service with no provider is never sold. Orders already placed are not concerned: they are
submitted and followed to the end whatever their provider's state (docs/decisions.md, D25).

The simulator is a provider row like the others, so that binding a service to it is explicit (``demo
seed``, ``--provider simulator``); :func:`simulator_id` creates the row the first time it is needed.
"""

from __future__ import annotations

from typing import Final

from flashpanel.db.runner import Conn, now
from flashpanel.errors import NotFound

SIMULATOR_KIND: Final = "simulator"
SIMULATOR_NAME: Final = "simulator"


def takes_orders(alias: str) -> str:
    """SQL condition on the ``providers`` row named ``alias`` in the query. It binds one parameter: the
    ``simulators`` setting (a bool), in its place among the query's ``?`` marks."""
    return f"({alias}.active AND ({alias}.kind <> '{SIMULATOR_KIND}' OR ?))"


def simulator_id(conn: Conn) -> int:
    """The built-in simulator's provider row (the oldest of its kind), created if there is none. It is
    named ``simulator``, or ``built-in simulator`` when an operator's provider already has that name."""
    provider_id = conn.scalar("SELECT id FROM providers WHERE kind = ? ORDER BY id LIMIT 1", (SIMULATOR_KIND,))
    if provider_id is not None:
        return int(provider_id)
    taken = conn.one("SELECT 1 FROM providers WHERE name = ?", (SIMULATOR_NAME,)) is not None
    created = conn.one(
        "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
        "VALUES (?, ?, NULL, NULL, NULL, '1', ?, ?) RETURNING id",
        ("built-in simulator" if taken else SIMULATOR_NAME, SIMULATOR_KIND, True, now()),
    )
    assert created is not None
    return int(created["id"])


def provider_id_named(conn: Conn, name: str) -> int:
    """The provider an operator names; ``simulator`` is the built-in one unless a provider has that name."""
    provider_id = conn.scalar("SELECT id FROM providers WHERE name = ?", (name.strip(),))
    if provider_id is not None:
        return int(provider_id)
    if name.strip() == SIMULATOR_NAME:
        return simulator_id(conn)
    raise NotFound(f"No provider named {name.strip()!r}")
