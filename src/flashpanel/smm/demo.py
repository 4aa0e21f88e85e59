"""The SMM demo catalog: neutral, fictional services bound to the built-in simulator."""

from __future__ import annotations

from flashpanel.db.runner import Conn, now
from flashpanel.providers.sale import simulator_id

# (name, category, rate per 1000 in cents, min, max, description)
DEMO_SERVICES: tuple[tuple[str, str, int, int, int, str], ...] = (
    ("Demo Followers", "Demo Social", 50000, 100, 10000, "Simulated followers, delivered over about a minute"),
    ("Demo Likes", "Demo Social", 20000, 50, 20000, "Simulated likes for a post"),
    ("Demo Video Views", "Demo Video", 5000, 500, 100000, "Simulated views for a video"),
    ("Demo Video Likes", "Demo Video", 25000, 50, 10000, "Simulated likes for a video"),
)


def seed(conn: Conn) -> None:
    """Add the demo services that are missing (matched by name), bound to the simulator; running it again
    adds nothing. They sell only while ``FLASHPANEL_SIMULATORS`` is on."""
    simulator = simulator_id(conn)
    for name, category, rate_cents, low, high, description in DEMO_SERVICES:
        if conn.one("SELECT 1 FROM smm_services WHERE name = ?", (name,)) is not None:
            continue
        conn.execute(
            "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, description, "
            "active, provider_id, upstream_service, created_at) VALUES (?, ?, 'Default', ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, category, rate_cents, low, high, description, True, simulator, None, now()),
        )


def remove(conn: Conn) -> tuple[int, int]:
    """Delete the demo services no order refers to, and disable the others (their orders keep their
    history). Returns (deleted, disabled)."""
    deleted = disabled = 0
    for name, *_ in DEMO_SERVICES:
        service_id = conn.scalar("SELECT id FROM smm_services WHERE name = ?", (name,))
        if service_id is None:
            continue
        if conn.one("SELECT 1 FROM smm_orders WHERE service_id = ? LIMIT 1", (service_id,)) is None:
            conn.execute("DELETE FROM smm_services WHERE id = ?", (service_id,))
            deleted += 1
        else:
            conn.execute("UPDATE smm_services SET active = ? WHERE id = ?", (False, service_id))
            disabled += 1
    return deleted, disabled
