"""What the clients of the scale test saw, kept to be checked against the database afterwards."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Observed:
    """What the load generator saw: counts, and every acknowledged order to check against the database."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    smm_acked: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # id -> (customer, charge)
    otp_acked: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # id -> (customer, charge, request)
    otp_cancel_acked: dict[str, int] = field(default_factory=dict)  # request id -> refund cents
    acc_acked: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # id -> (customer, charge, qty)
    delivered: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # credential -> orders
    server_errors: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # what a client saw that must never happen
    upstream_moves: Counter[str] = field(default_factory=Counter)
    sms_delivered: dict[str, str] = field(default_factory=dict)  # upstream activation id -> code
    topups: int = 0
    rate_probe: str = ""
    topups_failed: int = 0
    kills: list[str] = field(default_factory=list)
