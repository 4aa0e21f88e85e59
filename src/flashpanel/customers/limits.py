"""What the account rules need from a failure limit (failed log-ins, reset requests), without depending on
the HTTP layer that provides it (``api.ratelimit.FailureCounter`` implements this)."""

from __future__ import annotations

from typing import Protocol


class FailureCounter(Protocol):
    async def retry_after(self, key: str) -> int | None:
        """None while ``key`` is under its limit, else the seconds until another attempt may be made."""
        ...

    async def record(self, key: str) -> None:
        """Count one more failure for ``key``."""
        ...
