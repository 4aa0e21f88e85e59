"""What the clients were told must be what the database holds: every acknowledged order (its customer,
charge and details), every acknowledged OTP cancel (cancelled, with that refund), and every credential a
customer received (the items sold to that order, none delivered in two orders)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashpanel.crypto import open_secret_box
from tests.scale.checks.findings import Findings
from tests.scale.observed import Observed


def check_acknowledged(found: Findings, obs: Observed, secret_key_file: Path) -> None:
    acked(
        found,
        "smm",
        "smm_orders",
        obs.smm_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and v[1] in (None, int(r["charge_cents"])),
    )
    acked(
        found,
        "otp",
        "otp_orders",
        obs.otp_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and int(r["charge_cents"]) == v[1] and r["request_id"] == v[2],
    )
    acked(
        found,
        "accounts",
        "account_orders",
        obs.acc_acked,
        lambda r, v: int(r["customer_id"]) == v[0] and int(r["charge_cents"]) == v[1] and int(r["quantity"]) == v[2],
    )
    if obs.otp_cancel_acked:
        check_otp_cancels(found, obs.otp_cancel_acked)
    if obs.acc_acked:
        check_credentials(found, obs, secret_key_file)
    found.bad(
        "accounts: the same credential delivered in more than one order (client side)",
        [(cred, oids) for cred, oids in obs.delivered.items() if len(set(oids)) > 1],
    )


def acked(
    found: Findings, what: str, table: str, got: dict[int, Any], check: Callable[[dict[str, Any], Any], bool]
) -> None:
    if not got:
        return
    rows = {int(r["id"]): r for r in found.q(f"SELECT * FROM {table} WHERE id = ANY(%s)", list(got))}
    found.bad(
        f"{what}: acknowledged to the client but missing or different in the database",
        [(oid, v) for oid, v in got.items() if oid not in rows or not check(rows[oid], v)],
    )


def check_otp_cancels(found: Findings, cancel_acked: dict[str, int]) -> None:
    cancelled = {
        r["request_id"]: r
        for r in found.q(
            "SELECT o.request_id, o.status, COALESCE(l.amount_cents, 0) AS refund FROM otp_orders o "
            "LEFT JOIN ledger_entries l ON l.order_kind = 'otp' AND l.order_id = o.id AND l.kind = 'refund' "
            "WHERE o.request_id = ANY(%s)",
            list(cancel_acked),
        )
    }
    found.bad(
        "otp: cancel acknowledged but the order is not cancelled with that refund",
        [
            (rid, amount)
            for rid, amount in cancel_acked.items()
            if rid not in cancelled
            or cancelled[rid]["status"] != "cancelled"
            or int(cancelled[rid]["refund"]) != amount
        ],
    )


def check_credentials(found: Findings, obs: Observed, secret_key_file: Path) -> None:
    box = open_secret_box(secret_key_file)
    held: dict[int, list[str]] = defaultdict(list)
    for r in found.q(
        "SELECT order_id, secret_encrypted FROM stock_items WHERE order_id = ANY(%s)", list(obs.acc_acked)
    ):
        held[int(r["order_id"])].append(box.decrypt(r["secret_encrypted"]))
    sent: dict[int, list[str]] = defaultdict(list)
    for credential, order_ids in obs.delivered.items():
        item = json.loads(credential)
        line = f"{item['email']}:{item['password']}" if isinstance(item, dict) else str(item)
        for order_id in order_ids:
            sent[order_id].append(line)
    found.bad(
        "accounts: the credentials a customer received are not the items the database sold to that order",
        [
            (oid, sorted(sent[oid]), sorted(held[oid]))
            for oid in obs.acc_acked
            if sorted(sent[oid]) != sorted(held[oid])
        ],
    )
