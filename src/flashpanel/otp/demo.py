"""The OTP demo catalog: three countries, fictional services, sold by the built-in simulator."""

from __future__ import annotations

from flashpanel.db.runner import Conn

DEMO_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("United States", "US"),
    ("United Kingdom", "GB"),
    ("Nigeria", "NG"),
)
# (name, code, price in cents); no provider mapping, so the simulator sells them.
DEMO_SERVICES: tuple[tuple[str, str, int], ...] = (
    ("Demo Chat", "dchat", 35000),
    ("Demo Mail", "dmail", 20000),
    ("Demo Market", "dmarket", 15000),
)


def seed(conn: Conn) -> None:
    """Add the demo countries and services that are missing (by code); running it again adds nothing."""
    for name, country_code in DEMO_COUNTRIES:
        row = conn.one("SELECT id FROM otp_countries WHERE code = ?", (country_code,))
        if row is None:
            row = conn.one(
                "INSERT INTO otp_countries (name, code, active) VALUES (?, ?, ?) RETURNING id",
                (name, country_code, True),
            )
            assert row is not None
        country_id = int(row["id"])
        for service_name, code, price_cents in DEMO_SERVICES:
            if conn.one("SELECT 1 FROM otp_services WHERE country_id = ? AND code = ?", (country_id, code)) is None:
                conn.execute(
                    "INSERT INTO otp_services (country_id, name, code, price_cents, active) VALUES (?, ?, ?, ?, ?)",
                    (country_id, service_name, code, price_cents, True),
                )
