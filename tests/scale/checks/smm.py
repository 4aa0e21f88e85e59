"""SMM orders: each refund matches the order's outcome, and the panel agrees with the fake upstream panels
on what was submitted (once), what came back and how each order ended."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flashpanel.smm.lifecycle import refund_for
from tests.scale.checks.findings import SMM_TERMINAL, Findings
from tests.scale.upstreams import Fakes

# The fake panel's final status -> the local status it must have led to.
EXPECTED_LOCAL = {"Completed": "completed", "Partial": "partial", "Canceled": "cancelled", "Refunded": "cancelled"}


def check_smm(found: Findings, fakes: Fakes) -> None:
    check_refunds(found)
    found.facts["smm submissions resolved as interrupted (outcome unknown)"] = int(
        found.q("SELECT COUNT(*) AS n FROM smm_orders WHERE status = 'cancelled' AND last_error LIKE %s", "%unknown%")[
            0
        ]["n"]
    )
    found.bad(
        "smm: two orders with the same upstream order id",
        found.q(
            "SELECT provider_id, upstream_order_id, COUNT(*) FROM smm_orders WHERE upstream_order_id IS NOT NULL "
            "GROUP BY provider_id, upstream_order_id HAVING COUNT(*) > 1"
        ),
    )
    found.bad(
        "smm: in progress or done without an upstream order id",
        found.q(
            "SELECT id, status FROM smm_orders WHERE provider_id IS NOT NULL AND upstream_order_id IS NULL "
            "AND status IN ('processing', 'in_progress', 'completed', 'partial')"
        ),
    )
    snapshots = fakes.smm_snapshots()
    interrupted: list[tuple[Any, ...]] = []
    for n, (_base, provider_id, snapshot) in enumerate(snapshots, start=1):
        interrupted += check_upstream(found, n, provider_id, snapshot)
    if snapshots:
        found.facts["smm resolved as interrupted though the upstream took them"] = len(interrupted)
    else:
        found.facts["fake smm upstream"] = "none (" + fakes.describe() + ")"


def check_refunds(found: Findings) -> None:
    """The ledger's refund is the order's ``refunded_cents``, which is what the lifecycle's rule gives for a
    terminal status, and nothing before one."""
    rows = found.q(
        "SELECT o.id, o.status, o.quantity, o.remains, o.charge_cents, o.refunded_cents, "
        "o.upstream_order_id, o.provider_id, COALESCE(l.amount_cents, 0) AS ledger_refund FROM smm_orders o "
        "LEFT JOIN ledger_entries l ON l.order_kind = 'smm' AND l.order_id = o.id AND l.kind = 'refund'"
    )
    found.facts["smm statuses"] = dict(Counter(r["status"] for r in rows))
    wrong: list[tuple[Any, ...]] = []
    for r in rows:
        if int(r["ledger_refund"]) != int(r["refunded_cents"]):
            wrong.append(
                (r["id"], r["status"], "ledger refund", r["ledger_refund"], "refunded_cents", r["refunded_cents"])
            )
        elif r["status"] in SMM_TERMINAL:
            expected = refund_for(
                status=r["status"],
                charge_cents=int(r["charge_cents"]),
                quantity=int(r["quantity"]),
                remains=int(r["remains"]),
            )
            if int(r["refunded_cents"]) != expected:
                wrong.append((r["id"], r["status"], "refunded", r["refunded_cents"], "expected", expected))
        elif int(r["refunded_cents"]) != 0:
            wrong.append((r["id"], r["status"], "refund before a terminal status", r["refunded_cents"]))
    found.bad("smm: refund does not match the order's outcome", wrong)


def check_upstream(found: Findings, n: int, provider_id: int, snapshot: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One fake panel against the local orders it backs. Returns the orders resolved as interrupted (outcome
    unknown) that the upstream did take: the documented cost of a kill mid-submission, not a violation."""
    adds_by_link: dict[str, int] = snapshot.get("add_calls", {})
    upstream_orders: dict[str, dict[str, Any]] = snapshot.get("orders", {})
    found.facts[f"fake smm upstream {n}"] = {
        "add requests": snapshot.get("actions", {}).get("add", 0),
        "cancel requests": snapshot.get("actions", {}).get("cancel", 0),
        "orders created": len(upstream_orders),
        "final statuses": dict(Counter(o["status"] for o in upstream_orders.values())),
    }
    what = f"smm (upstream {n})"
    found.bad(
        f"{what}: order submitted upstream more than once (the fake's add count per link)",
        sorted((count, link) for link, count in adds_by_link.items() if count > 1),
    )
    local = {
        r["link"]: r
        for r in found.q(
            "SELECT id, link, status, remains, upstream_order_id, last_error FROM smm_orders WHERE provider_id = %s",
            provider_id,
        )
    }
    found.bad(
        f"{what}: the upstream holds an order no local order knows",
        [link for link in adds_by_link if link not in local],
    )
    found.bad(
        f"{what}: local order has an upstream id the upstream never issued",
        [
            (r["id"], r["upstream_order_id"])
            for r in local.values()
            if r["upstream_order_id"] is not None and r["upstream_order_id"] not in upstream_orders
        ],
    )
    found.bad(
        f"{what}: cancelled by the customer before submission, yet submitted",
        [
            (r["id"], r["status"])
            for link, r in local.items()
            if link in adds_by_link and "canceled by the customer" in (r["last_error"] or "")
        ],
    )
    # A submission interrupted by a kill, then resolved as "outcome unknown" (cancelled, refunded in
    # full), is the documented cost of a crash mid-submission when the upstream did take the order.
    lost_answer = [
        (r["id"], r["status"], r["last_error"])
        for link, r in local.items()
        if link in adds_by_link and r["upstream_order_id"] is None
    ]
    interrupted: list[tuple[Any, ...]] = [c for c in lost_answer if c[1] == "cancelled" and "unknown" in (c[2] or "")]
    found.bad(
        f"{what}: upstream accepted the order but the panel has no upstream id for it",
        [c for c in lost_answer if c not in interrupted],
    )
    disagree = []
    for r in local.values():
        up = upstream_orders.get(str(r["upstream_order_id"]))
        if up is None or r["status"] not in SMM_TERMINAL:
            continue
        want = EXPECTED_LOCAL.get(up["status"])
        if want != r["status"] or (want == "partial" and int(up["remains"]) != int(r["remains"])):
            case = (r["id"], r["status"], r["remains"], up["status"], up["remains"], r["last_error"])
            if r["status"] == "cancelled" and any(
                words in (r["last_error"] or "") for words in ("unknown", "after it was resolved")
            ):
                interrupted.append(case)  # resolved as interrupted; its answer came too late
            else:
                disagree.append(case)
    found.bad(f"{what}: final status differs from the upstream's", disagree)
    return interrupted
