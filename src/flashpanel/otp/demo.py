"""The OTP demo catalog: three countries, fictional services, sold by the built-in simulator."""

from __future__ import annotations

from flashpanel.db.runner import Conn
from flashpanel.providers.sale import simulator_id

DEMO_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("United States", "US"),
    ("United Kingdom", "GB"),
    ("Nigeria", "NG"),
)
# (name, code, price in cents); mapped to the simulator under their own codes.
DEMO_SERVICES: tuple[tuple[str, str, int], ...] = (
    ("Demo Chat", "dchat", 35000),
    ("Demo Mail", "dmail", 20000),
    ("Demo Market", "dmarket", 15000),
)


def seed(conn: Conn) -> None:
    """Add the demo countries and services that are missing (by code), each service mapped to the
    simulator; running it again adds nothing. They sell only while ``FLASHPANEL_SIMULATORS`` is on."""
    simulator = simulator_id(conn)
    for name, country_code in DEMO_COUNTRIES:
        found = conn.scalar("SELECT id FROM otp_countries WHERE code = ?", (country_code,))
        if found is None:
            found = conn.scalar(
                "INSERT INTO otp_countries (name, code, active) VALUES (?, ?, ?) RETURNING id",
                (name, country_code, True),
            )
        country_id = int(found)
        for service_name, code, price_cents in DEMO_SERVICES:
            if conn.one("SELECT 1 FROM otp_services WHERE country_id = ? AND code = ?", (country_id, code)) is not None:
                continue
            service = conn.one(
                "INSERT INTO otp_services (country_id, name, code, price_cents, active) VALUES (?, ?, ?, ?, ?) "
                "RETURNING id",
                (country_id, service_name, code, price_cents, True),
            )
            assert service is not None
            conn.execute(
                "INSERT INTO otp_service_providers (otp_service_id, provider_id, upstream_service, upstream_country, "
                "priority) VALUES (?, ?, ?, ?, 0)",
                (service["id"], simulator, code, country_code),
            )


def remove(conn: Conn) -> tuple[int, int]:
    """Delete the demo services no order refers to (with their provider mappings), and disable the others;
    then delete the demo countries left with no service and no order (a country the operator sells in
    stays). Returns (services deleted, services disabled)."""
    deleted = disabled = 0
    codes = [code for _, code, _ in DEMO_SERVICES]
    for _, country_code in DEMO_COUNTRIES:
        country_id = conn.scalar("SELECT id FROM otp_countries WHERE code = ?", (country_code,))
        if country_id is None:
            continue
        for code in codes:
            service_id = conn.scalar(
                "SELECT id FROM otp_services WHERE country_id = ? AND code = ?", (country_id, code)
            )
            if service_id is None:
                continue
            if conn.one("SELECT 1 FROM otp_orders WHERE otp_service_id = ? LIMIT 1", (service_id,)) is None:
                conn.execute("DELETE FROM otp_service_providers WHERE otp_service_id = ?", (service_id,))
                conn.execute("DELETE FROM otp_services WHERE id = ?", (service_id,))
                deleted += 1
            else:
                conn.execute("UPDATE otp_services SET active = ? WHERE id = ?", (False, service_id))
                disabled += 1
        in_use = conn.one(
            "SELECT 1 FROM otp_services WHERE country_id = ? UNION ALL SELECT 1 FROM otp_orders WHERE country_id = ?",
            (country_id, country_id),
        )
        if in_use is None:
            conn.execute("DELETE FROM otp_countries WHERE id = ?", (country_id,))
    return deleted, disabled
