"""OTP orders: a refunded status refunds the whole charge once and no other status refunds, no upstream
activation is held twice, and a completed order's code is the one the fake upstream sent for that number."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.scale.checks.findings import OTP_REFUNDED, Findings
from tests.scale.observed import Observed
from tests.scale.upstreams import Fakes


def check_otp(found: Findings, obs: Observed, fakes: Fakes) -> None:
    rows = found.q(
        "SELECT o.id, o.status, o.charge_cents, COALESCE(l.amount_cents, 0) AS refund, COUNT(l.id) AS n "
        "FROM otp_orders o LEFT JOIN ledger_entries l ON l.order_kind = 'otp' AND l.order_id = o.id "
        "AND l.kind = 'refund' GROUP BY o.id, o.status, o.charge_cents, l.amount_cents"
    )
    found.facts["otp statuses"] = dict(Counter(r["status"] for r in rows))
    found.bad(
        "otp: refund does not match the status (cancelled/expired/failed refund the whole charge once)",
        [
            (r["id"], r["status"], r["charge_cents"], r["refund"])
            for r in rows
            if (r["status"] in OTP_REFUNDED and (int(r["n"]) != 1 or int(r["refund"]) != int(r["charge_cents"])))
            or (r["status"] not in OTP_REFUNDED and int(r["n"]) != 0)
        ],
    )
    found.facts["otp purchases resolved as interrupted"] = int(
        found.q(
            "SELECT COUNT(*) AS n FROM otp_orders WHERE status = 'failed' AND last_error LIKE %s",
            "purchase interrupted%",
        )[0]["n"]
    )
    found.bad(
        "otp: two orders holding the same upstream activation",
        found.q(
            "SELECT provider_id, upstream_activation_id, COUNT(*) FROM otp_orders "
            "WHERE upstream_activation_id IS NOT NULL GROUP BY provider_id, upstream_activation_id "
            "HAVING COUNT(*) > 1"
        ),
    )
    if fakes.sms_base:
        check_upstream(found, obs, fakes.sms_base)


def check_upstream(found: Findings, obs: Observed, sms_base: str) -> None:
    activations: dict[str, str] = httpx.get(sms_base + "/_control", timeout=30).json()["activations"]
    local_otp = {
        str(r["upstream_activation_id"]): r
        for r in found.q(
            "SELECT id, status, sms_code, upstream_activation_id FROM otp_orders "
            "WHERE upstream_activation_id IS NOT NULL AND provider_id IS NOT NULL"
        )
    }
    found.bad(
        "otp: completed with a code the upstream never sent for that number",
        [
            (r["id"], r["sms_code"], obs.sms_delivered.get(aid))
            for aid, r in local_otp.items()
            if r["status"] == "completed" and r["sms_code"] != obs.sms_delivered.get(aid)
        ],
    )
    found.facts["fake sms-activate upstream"] = {
        "activations": len(activations),
        "states": dict(Counter(activations.values())),
        "held by no local order": sum(1 for a in activations if a not in local_otp),
        "SMS delivered but the order refunded": sum(
            1 for aid, r in local_otp.items() if aid in obs.sms_delivered and r["status"] in OTP_REFUNDED
        ),
    }
