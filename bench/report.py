"""The printed table (markdown, pasted into docs/benchmarks.md) and the raw JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scenarios import CEILING, Scenario

RSS_TARGET_MB = 80.0
# Ratios to the ceiling (bare Starlette on uvicorn) that flashpanel, as `serve` runs it, should reach.
CEILING_TARGETS = {"GET /balance": 0.60, "POST /smm/order": 0.35}
# Ratios to the hand-written asyncpg anchors (``--postgres``).
ANCHOR_TARGETS = {"GET /balance": 0.90, "POST /smm/order": 0.75}
ANCHOR = "asyncpg anchor"


@dataclass
class Run:
    """What the report says about the run as a whole."""

    backend: str
    command: str
    machine: dict[str, str]
    settings: str  # wrk settings, rounds, processes
    elapsed_s: float
    load_at_end: str
    smoke: bool
    sides: list[str]  # flashpanel sides measured (ceiling and anchor excluded)
    rss_mb: dict[str, float]  # peak RSS of an API process, per server
    idle_rss_mb: float


def render(run: Run, scenarios: list[Scenario]) -> str:
    m = run.machine
    lines = [
        f"### {run.backend}{' (smoke: data checks only, speeds not judged)' if run.smoke else ''}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram']} RAM, Python {m['python']}, Linux {m['kernel']}; "
        f"load average at start {m['load_at_start']}, at end {run.load_at_end}.",
        f"Command: `{run.command}` — {run.settings}; figures are medians over rounds, ratios the medians of "
        f"per-round ratios; run took {run.elapsed_s:.0f} s.",
        "",
        "| scenario | server | req/s | p50 ms | p99 ms | ceiling req/s | ratio to ceiling | ratio to anchor | "
        "errors | data | target | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for s in scenarios:
        if s.skipped:
            lines.append(f"| {s.name} | | - | - | - | - | - | - | - | - | SKIPPED: {s.skipped} | SKIP |")
            continue
        if not s.samples.get(CEILING):
            continue
        history_limit = _history_limit(s, scenarios, run.sides[0])
        for side in [ANCHOR, *run.sides] if ANCHOR in s.samples else run.sides:
            if not s.samples.get(side):
                continue
            to_anchor = s.ratio(side, ANCHOR) if ANCHOR in s.samples and side != ANCHOR else None
            target, passed = "", True
            if side == run.sides[0]:
                target, passed = _target(s, side, to_anchor, history_limit)
            result = ("PASS" if passed else "MISS") if target and not run.smoke else ""
            data = ("ERROR" if s.problems else "ok") if (s.check_table or s.problems) and side == run.sides[0] else ""
            errors = sum(x.bad + x.socket_errors for x in s.samples[side])
            lines.append(
                f"| {s.name} | {side} | {s.median(side, 'rps'):,.0f} | {s.median(side, 'p50_ms'):.2f} | "
                f"{s.median(side, 'p99_ms'):.2f} | {s.median(CEILING, 'rps'):,.0f} | {s.ratio(side):.2f} | "
                f"{'' if to_anchor is None else f'{to_anchor:.2f}'} | {errors} | {data} | {target} | {result} |"
            )
    for server, mb in run.rss_mb.items():
        limit = f"<= {RSS_TARGET_MB:.0f} MB" if server != CEILING else ""
        verdict = "" if run.smoke or server == CEILING else ("PASS" if mb <= RSS_TARGET_MB else "MISS")
        row = f"| peak RSS of an API process (VmHWM) | {server} | | | | | | | | | {limit} | {mb:.1f} MB {verdict} |"
        lines.append(row)
    lines.append(f"\nAPI process RSS after start-up, before any request: {run.idle_rss_mb:.1f} MB.")
    for s in scenarios:
        for problem in s.problems:
            lines.append(f"\nDATA ERROR in {s.name}: {problem}")
    return "\n".join(lines)


def _history_limit(s: Scenario, scenarios: list[Scenario], side: str) -> float | None:
    """History p99 at the large size must stay within 1.5x the p99 at 1k (same page kind)."""
    if not s.name.startswith("GET /smm/orders") or " 1k " in s.name:
        return None
    kind = "page 1" if s.name.endswith("page 1") else "deep"
    small = [x for x in scenarios if x.name.startswith("GET /smm/orders 1k") and kind in x.name and x.samples]
    return 1.5 * small[0].median(side, "p99_ms") if small else None


def _target(s: Scenario, side: str, to_anchor: float | None, history_limit: float | None) -> tuple[str, bool]:
    if to_anchor is not None and s.name in ANCHOR_TARGETS:
        minimum = ANCHOR_TARGETS[s.name]
        return f"anchor ratio >= {minimum:.2f}", to_anchor >= minimum
    if s.name in CEILING_TARGETS and to_anchor is None:
        minimum = CEILING_TARGETS[s.name]
        return f"ratio >= {minimum:.2f}", s.ratio(side) >= minimum
    if history_limit is not None:
        return f"p99 <= 1.5 x 1k ({history_limit:.1f} ms)", s.median(side, "p99_ms") <= history_limit
    return "", True


def to_json(run: Run, scenarios: list[Scenario]) -> dict[str, Any]:
    return {
        "command": run.command,
        "machine": run.machine,
        "load_at_end": run.load_at_end,
        "peak_rss_mb": run.rss_mb,
        "scenarios": [
            {
                "name": s.name,
                "skipped": s.skipped,
                "rss_after_mb": s.rss_after_mb,
                "problems": s.problems,
                "samples": {side: [vars(x) for x in samples] for side, samples in s.samples.items()},
            }
            for s in scenarios
        ],
    }
