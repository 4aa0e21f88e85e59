"""What the bench needs around it: paths, wrk, Starlette for the ceiling, free ports, the machine."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
DEPS = BENCH / ".deps"
RESULTS = ROOT / "bench-results"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(Exception):
    """The bench could not run (missing tool, server did not start): exit 2."""


# -- tools ----------------------------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing the Debian package (apt-get install -y wrk)")
    apt = shutil.which("apt-get")
    if apt is None:
        raise BenchError("wrk is not installed and apt-get is not available: install wrk and run again")

    def apt_get(*words: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([apt, *words], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)

    if apt_get("install", "-y", "-q", "wrk").returncode != 0:
        apt_get("update", "-q")
        result = apt_get("install", "-y", "-q", "wrk")
        if result.returncode != 0:
            raise BenchError(
                "could not install wrk with apt-get (are you root, with a package mirror reachable?):\n"
                + result.stderr.decode(errors="replace")[-2000:]
            )
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get reported success but wrk is still not on PATH")
    return found


def ensure_deps(*, postgres: bool) -> None:
    """Make Starlette (the ceiling) and, for ``--postgres``, asyncpg (the anchors) importable from
    bench/.deps, installed there with pip (never into the project's venv)."""
    wanted = {"starlette": "starlette>=0.40,<1"}
    if postgres:
        wanted["asyncpg"] = "asyncpg>=0.29,<1"
    env = {**os.environ, "PYTHONPATH": str(DEPS)}
    missing = [
        spec
        for module, spec in wanted.items()
        if subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True).returncode
    ]
    if not missing:
        return
    log(f"installing {', '.join(missing)} into bench/.deps (not into the project's venv)")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    result = subprocess.run([*pip, "--target", str(DEPS), *missing], capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"could not install {', '.join(missing)} into bench/.deps:\n{result.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    load = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_at_start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }
