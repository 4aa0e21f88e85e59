"""The scale test's closing report: requests by kind and outcome, what the upstreams and the operator did,
the facts the checks gathered, the kills, and every violation (exit 1) or "all invariants hold" (exit 0)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.scale.load import MIX
from tests.scale.observed import Observed


@dataclass(frozen=True)
class Run:
    mode: str  # "normal" or "crash"
    seed: int
    api: int
    workers: int
    load_seconds: float
    catchup_seconds: float
    domains: frozenset[str]


def report(run: Run, obs: Observed, facts: dict[str, Any], violations: list[str], workdir: Path) -> int:
    """Print the report; the exit code: 1 if any invariant is violated (client-visible anomalies and server
    errors included), else 0."""
    total = sum(obs.requests.values())
    print()
    print(f"=== scale invariants ({run.mode}, seed {run.seed}) ===")
    print(
        f"load: {run.load_seconds:.1f}s, {total} requests ({total / run.load_seconds:.0f}/s) over {run.api} API "
        f"processes, {run.workers} workers; catch-up {run.catchup_seconds:.1f}s; "
        f"domains loaded: wallet{''.join(', ' + d for d in sorted(run.domains))}"
    )
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for (kind, outcome), n in obs.requests.items():
        by_kind[kind][outcome] = n
    for kind in MIX:
        if kind in by_kind:
            outcomes = ", ".join(f"{o}: {n}" for o, n in sorted(by_kind[kind].items()))
            print(f"  {kind:<18} {sum(by_kind[kind].values()):>6}  ({outcomes})")
    print(f"rate limit probe: {obs.rate_probe}")
    print(f"  operator top-ups {obs.topups}" + (f" (+{obs.topups_failed} failed)" if obs.topups_failed else ""))
    if obs.upstream_moves:
        print(f"upstream events: {dict(sorted(obs.upstream_moves.items()))}")
    print(
        f"orders acknowledged: smm {len(obs.smm_acked)}, otp {len(obs.otp_acked)}, "
        f"accounts {len(obs.acc_acked)}; otp cancels acknowledged {len(obs.otp_cancel_acked)}"
    )
    for key, value in facts.items():
        print(f"{key}: {value}")
    print(f"kills: {len(obs.kills)}")
    for k in obs.kills:
        print(f"  {k}")
    violations = list(violations)
    if obs.anomalies:
        violations.append(f"{len(obs.anomalies)} client-visible anomalies, e.g. {obs.anomalies[:3]}")
    if obs.server_errors:
        violations.append(f"{len(obs.server_errors)} server error(s) (5xx), e.g. {obs.server_errors[:3]}")
    if violations:
        print(f"\nFAILED: {len(violations)} invariant violation(s):")
        for v in violations:
            print(f"  - {v}")
        print(f"(logs in {workdir})")
        return 1
    print("\nall invariants hold")
    return 0
