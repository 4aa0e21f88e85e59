"""The servers under test (flashpanel and the ceiling): start, wait until healthy, API process ids, RSS, stop."""

from __future__ import annotations

import http.client
import signal
import subprocess
import threading
import time
from pathlib import Path

from tools import BenchError


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], cwd: Path, port: int, health: str, *, supervised: bool
    ) -> None:
        """``supervised``: the process started supervises the API processes (granian always does; uvicorn
        with ``--workers`` > 1) rather than serving requests itself."""
        self.name, self.cmd, self.env, self.cwd, self.port, self.health = name, cmd, env, cwd, port, health
        self.supervised = supervised
        self.log_path = cwd / f"{name.replace(' ', '-')}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss_kb = 0
        self._sampling = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        handle = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited at start-up:\n{self.log_tail()}")
            try:
                status, _ = http_get(self.url + self.health)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer {self.health} within {timeout:.0f} s:\n{self.log_tail()}")

    def api_pids(self) -> list[int]:
        """The processes serving requests: the server itself, or its workers under a supervisor."""
        assert self.proc is not None
        if not self.supervised:
            return [self.proc.pid]
        pids = []
        for child in children(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                pids.append(child)
        return pids

    def sample_rss(self) -> None:
        self._sampling = True

        def loop() -> None:
            while self._sampling and self.proc and self.proc.poll() is None:
                self.peak_rss_kb = max([self.peak_rss_kb, *(status_kb(p, "VmRSS") for p in self.api_pids())])
                time.sleep(0.25)

        threading.Thread(target=loop, daemon=True).start()

    def peak_hwm_kb(self) -> int:
        """The kernel's own high-water mark (VmHWM) of the largest API process, and the sampled peak."""
        return max([self.peak_rss_kb, *(status_kb(p, "VmHWM") for p in self.api_pids())])

    def stop(self) -> None:
        self._sampling = False
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def http_get(url: str) -> tuple[int, bytes]:
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", "/" + path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
