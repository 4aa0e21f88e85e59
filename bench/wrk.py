"""One wrk measurement: run ``bench/lua/requests.lua`` against a server and parse what it prints."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools import BENCH, BenchError

LUA = BENCH / "lua" / "requests.lua"


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    ok: int
    bad: int
    socket_errors: int
    status_429: int = 0
    status_4xx: int = 0
    status_5xx: int = 0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> Sample:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    counts = re.search(r"BENCH ok=(\d+) bad=(\d+) 429=(\d+) other4xx=(\d+) 5xx=(\d+)", output)
    ok, bad, too_many, other_4xx, server_errors = (int(x) for x in counts.groups()) if counts else (0,) * 5
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(x) for x in errors.groups()) if errors else 0
    return Sample(rps, p50, p99, ok, bad, socket_errors, too_many, other_4xx, server_errors)


def run_wrk(
    wrk: str,
    base_url: str,
    paths_file: Path,
    method: str,
    body: str | None,
    seconds: float,
    threads: int,
    connections: int,
) -> Sample:
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        base_url,
        "--",
        str(paths_file),
        method,
        body or "",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 or "Requests/sec" not in result.stdout:
        raise BenchError(f"wrk failed ({' '.join(cmd)}):\n{result.stdout}\n{result.stderr}")
    return parse_wrk(result.stdout)
