"""``--profile``: py-spy on the API process(es) during a measurement, summarised by function and package."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from servers import Server
from tools import RESULTS, VENV_BIN, BenchError, log


@contextlib.contextmanager
def profiling(server: Server, name: str, seconds: float) -> Iterator[None]:
    """py-spy on every API process while the block runs; writes collapsed stacks and a summary."""
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(VENV_BIN)) or "/tmp/pyspy/bin/py-spy"
    if not Path(py_spy).exists():
        raise BenchError("--profile needs py-spy: python3 -m pip install --target /tmp/pyspy py-spy")
    RESULTS.mkdir(exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    recorders = []
    for pid in server.api_pids():
        out = RESULTS / f"profile-{slug}-{pid}.collapsed"
        recorders.append(
            (
                out,
                subprocess.Popen(
                    [
                        py_spy,
                        "record",
                        "--pid",
                        str(pid),
                        "--duration",
                        str(max(1, round(seconds))),
                        "--rate",
                        "200",
                        "--format",
                        "raw",
                        "--threads",
                        "--output",
                        str(out),
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    try:
        yield
    finally:
        for out, recorder in recorders:
            recorder.wait(timeout=60)
            if out.exists():
                summary = summarize_profile(out.read_text())
                (out.with_suffix(".txt")).write_text(summary)
                log(f"profile of {name} (pid {out.stem.rsplit('-', 1)[1]}): {out.with_suffix('.txt')}")


def summarize_profile(collapsed: str, top: int = 25) -> str:
    """Top functions by own samples and by inclusive samples, from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [f for f in stack.split(";") if not f.startswith("thread ")]
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    lines = [f"{total} samples (all threads)", "", "own samples by thread and package (innermost frame):"]
    lines += [f"{n / total:6.1%}  {k}" for k, n in sorted(by_package(collapsed).items(), key=lambda x: -x[1])[:top]]
    lines += ["", "own samples:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]]
    lines += ["", "inclusive samples:"]
    lines += [f"{n / total:6.1%}  {f}" for f, n in sorted(inclusive.items(), key=lambda x: -x[1])[: top * 2]]
    return "\n".join(lines) + "\n"


def by_package(collapsed: str) -> dict[str, int]:
    """Own samples grouped by (thread kind, top-level package of the innermost Python frame)."""
    out: dict[str, int] = {}
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if len(frames) < 2:
            continue
        thread = "event loop" if "MainThread" in frames[0] else re.sub(r"^thread \(\d+\): |_\d+$", "", frames[0])
        match = re.search(r"\(([^/:]+?)(?:/|\.py:)", frames[-1])
        package = match.group(1) if match else frames[-1]
        key = f"{thread}: {package}"
        out[key] = out.get(key, 0) + int(count_text)
    return out
