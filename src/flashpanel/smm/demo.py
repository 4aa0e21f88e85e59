"""The SMM demo catalog: neutral, fictional services fulfilled by the built-in simulator."""

from __future__ import annotations

from flashpanel.db.runner import Conn, now

# (name, category, rate per 1000 in cents, min, max, description)
DEMO_SERVICES: tuple[tuple[str, str, int, int, int, str], ...] = (
    ("Demo Followers", "Demo Social", 50000, 100, 10000, "Simulated followers, delivered over about a minute"),
    ("Demo Likes", "Demo Social", 20000, 50, 20000, "Simulated likes for a post"),
    ("Demo Video Views", "Demo Video", 5000, 500, 100000, "Simulated views for a video"),
    ("Demo Video Likes", "Demo Video", 25000, 50, 10000, "Simulated likes for a video"),
)


def seed(conn: Conn) -> None:
    """Add the demo services that are missing (matched by name); running it again adds nothing."""
    for name, category, rate_cents, low, high, description in DEMO_SERVICES:
        if conn.one("SELECT 1 FROM smm_services WHERE name = ?", (name,)) is not None:
            continue
        conn.execute(
            "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, description, "
            "active, created_at) VALUES (?, ?, 'Default', ?, ?, ?, ?, ?, ?)",
            (name, category, rate_cents, low, high, description, True, now()),
        )
