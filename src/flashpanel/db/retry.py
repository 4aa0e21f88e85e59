"""Retrying a unit of work when the database fails under it.

Only for units that are safe to repeat: each must recognise that an earlier attempt already committed.
That happens when a connection drops after the server committed but before the answer arrived. The
runner replaces a dropped connection for the next attempt (``Database._in_transaction``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from flashpanel.errors import FlashpanelError

log = logging.getLogger("flashpanel.db")

T = TypeVar("T")

RETRY_DELAYS: Sequence[float] = (0.2, 1.0, 3.0)


async def retrying(attempt: Callable[[], Awaitable[T]], *, what: str) -> T:
    """``await attempt()``, again after each of ``RETRY_DELAYS`` while it fails with anything but a
    domain error (those are answers, not faults); the last failure propagates."""
    for delay in RETRY_DELAYS:
        try:
            return await attempt()
        except FlashpanelError:
            raise
        except Exception as exc:
            log.warning("%s failed (%r); retrying in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)
    return await attempt()
