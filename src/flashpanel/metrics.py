"""Prometheus metrics. They are served on a listener of their own, never on the API port: `flashpanel
serve --metrics-port P` and `flashpanel worker --metrics-port P` (``flashpanel.server.serve_metrics``).

With ``serve --metrics-port`` the API process(es), which granian forks from its supervisor, count in
prometheus-client's multiprocess mode (files in a directory named by ``PROMETHEUS_MULTIPROC_DIR``) and
the supervising process serves their sum. Request metrics: ``api/request_metrics.py``. Every
gauge must therefore say how the processes' values combine (``multiprocess_mode``).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LOOP_HANDLED = Counter("flashpanel_worker_items_total", "Items a background loop handled", ["loop"])
LOOP_FAILURES = Counter("flashpanel_worker_failures_total", "Passes of a background loop that raised", ["loop"])
LOOP_LAST_PASS = Gauge(
    "flashpanel_worker_last_pass_timestamp_seconds",
    "When a loop last finished a pass",
    ["loop"],
    multiprocess_mode="max",  # the latest pass of any process
)
MONEY_MOVEMENTS = Counter("flashpanel_ledger_entries_total", "Ledger entries written", ["kind"])
MONEY_CENTS = Counter("flashpanel_ledger_cents_total", "Absolute cents moved, by ledger kind", ["kind"])
# Set by the background loops of each line from the database (every process running them reports the
# same figure): orders listed by `flashpanel smm|otp orders list --attention`.
ORDERS_ATTENTION = Gauge(
    "flashpanel_orders_attention",
    "Orders waiting for the operator's attention",
    ["line"],
    multiprocess_mode="max",  # every process counts the same rows in the database
)
# units / commits = the SQLite writer's mean group-commit batch (1.0 when it is never busy)
SQLITE_WRITE_UNITS = Counter("flashpanel_sqlite_write_units_total", "Units of work run by the SQLite writer")
SQLITE_COMMITS = Counter("flashpanel_sqlite_commits_total", "Transactions committed by the SQLite writer")
# Payments: top-ups decided (credited, mismatch, failed, expired) and webhooks refused for their signature.
TOPUP_OUTCOMES = Counter("flashpanel_topups_total", "Top-ups decided, by gateway and outcome", ["gateway", "outcome"])
WEBHOOK_BAD_SIGNATURES = Counter(
    "flashpanel_payment_webhook_bad_signatures_total", "Payment webhooks refused for their signature", ["gateway"]
)
