"""Best-effort calls a request starts and does not wait for (releasing a number upstream, telling it a
code was used), kept so that shutdown can wait for them instead of cutting them off mid-call."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundCalls:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, call: Coroutine[Any, Any, None]) -> None:
        """Run ``call`` on the current event loop; it is forgotten once it ends. It must handle its own
        errors (an error left in it is only logged by asyncio)."""
        task = asyncio.create_task(call)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait for every call started so far (each bounds its own time), including those they start."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
