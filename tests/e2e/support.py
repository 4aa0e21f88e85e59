"""Starting ``flashpanel`` as an operator would: a real process on the test's database and key files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from flashpanel.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(
    settings: Settings, tmp_path: Path, log: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``flashpanel ARGS...`` in ``tmp_path``, pointed at the test's backend (and ``extra_env``), output
    into ``log``."""
    env = {
        **os.environ,
        "FLASHPANEL_DATABASE_URL": settings.database_url,
        "FLASHPANEL_SECRET_KEY_FILE": str(settings.secret_key_file),
        "FLASHPANEL_DEMO_KEY_FILE": str(settings.demo_key_file),
        "FLASHPANEL_REDIS_URL": settings.redis_url or "",
        **(extra_env or {}),
    }
    flashpanel = Path(sys.executable).with_name("flashpanel")
    with log.open("w") as out:
        return subprocess.Popen([str(flashpanel), *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)


def wait_until(process: subprocess.Popen[bytes], log: Path, ready: Callable[[], bool], *, what: str) -> None:
    """Poll ``ready`` (connection errors count as not yet) while the process lives, for up to 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{what}:\n" + log.read_text()
        time.sleep(0.2)
