"""The scale test's child processes: start, kill -9, restart and stop them, each incarnation logging to
its own file; and the small helpers every part of the harness shares (log lines, free ports)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

FLASHPANEL = Path(sys.executable).with_name("flashpanel")
SITE_DIR = Path(__file__).resolve().with_name("site")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """One child process we may kill -9 and restart; each incarnation logs to its own file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path, port: int | None = None):
        self.name = name
        self.argv = argv
        self.env = env
        self.logdir = logdir
        self.port = port
        self.popen: subprocess.Popen[bytes] | None = None
        self.generation = 0
        self.up = False  # API: answering /healthz and eligible for the load

    @property
    def log_path(self) -> Path:
        return self.logdir / f"{self.name}.{self.generation}.log"

    def start(self) -> None:
        self.generation += 1
        with self.log_path.open("wb") as out:
            self.popen = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.logdir, start_new_session=True
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> int:
        assert self.popen is not None
        pid = self.popen.pid
        self.up = False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self.popen.wait()
        return pid

    def stop(self, timeout: float = 10) -> None:
        self.up = False
        if not self.alive():
            return
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


async def wait_healthy(proc: Proc, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as client:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{proc.port}/healthz")).status_code == 200:
                    proc.up = True
                    return
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited during start-up:\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} did not answer /healthz in {timeout}s:\n{proc.tail()}")
            await asyncio.sleep(0.2)


def spawned_children(pid: int) -> list[int]:
    """The uvicorn worker processes of a ``serve --workers N`` supervisor (not multiprocessing's helpers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    found.append(int(child))
    return found
