"""Background loops of this domain, started by ``flashpanel.worker``."""

from flashpanel.worker.loop import Loop

LOOPS: list[Loop] = []
