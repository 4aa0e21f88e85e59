"""The OTP catalog: countries, services per country, and which providers sell each one.

Units of work for the API (reads) and the operator CLI (writes). Prices are integer cents here;
the CLI and the API convert at their edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from flashpanel.bounds import ID, read_integer, within
from flashpanel.db.runner import Conn, Row
from flashpanel.db.typed import all_as
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.providers.sale import provider_id_named, takes_orders
from flashpanel.wallet.money import to_cents

# The columns' lengths (migration 0003): a longer text is refused by the rule, not by PostgreSQL.
NAME_LIMIT = 100
CODE_LIMIT = 32
MAX_PRIORITY = 2**31 - 1  # a 32-bit integer column


@dataclass(frozen=True, slots=True)
class Source:
    """One way to buy a number for a service: a provider and the upstream's own codes for the country
    and the service."""

    provider_id: int
    upstream_country: str
    upstream_service: str


class _Mapping(msgspec.Struct, frozen=True):
    otp_service_id: int
    provider_id: int
    upstream_country: str
    upstream_service: str


def sources_of(conn: Conn, *, service_ids: list[int], simulators: bool) -> dict[int, list[Source]]:
    """The sources of each service that take new orders (``providers.sale``: the provider is active,
    and the built-in simulator only while ``simulators`` is on), in the order they are tried:
    ascending ``priority``, then mapping id. A service without any is not on sale."""
    if not service_ids:
        return {}
    marks = ", ".join("?" for _ in service_ids)
    sources: dict[int, list[Source]] = {service_id: [] for service_id in service_ids}
    for mapping in all_as(
        conn,
        _Mapping,
        "SELECT m.otp_service_id, m.provider_id, m.upstream_country, m.upstream_service "
        "FROM otp_service_providers m JOIN providers p ON p.id = m.provider_id "
        # only "?" marks are interpolated
        f"WHERE m.otp_service_id IN ({marks}) AND {takes_orders('p')} ORDER BY m.priority, m.id",
        [*service_ids, simulators],
    ):
        sources[mapping.otp_service_id].append(
            Source(mapping.provider_id, mapping.upstream_country, mapping.upstream_service)
        )
    return sources


# -- API reads -------------------------------------------------------------------------------------
def active_countries(conn: Conn) -> list[Row]:
    return conn.all("SELECT id, name, code FROM otp_countries WHERE active ORDER BY id")


@dataclass(frozen=True, slots=True)
class ServiceOffer:
    service_id: int
    name: str
    code: str
    price_cents: int
    sources: list[Source]


def services_of_country(conn: Conn, *, country_id: int, simulators: bool) -> list[ServiceOffer]:
    """The services of an active country that are on sale (active, with at least one source), with their
    sources; :class:`NotFound` for an unknown or inactive country."""
    if conn.one("SELECT 1 FROM otp_countries WHERE id = ? AND active", (country_id,)) is None:
        raise NotFound("Country not found")
    rows = conn.all(
        "SELECT id, name, code, price_cents FROM otp_services WHERE country_id = ? AND active ORDER BY id",
        (country_id,),
    )
    sources = sources_of(conn, service_ids=[int(r["id"]) for r in rows], simulators=simulators)
    return [
        ServiceOffer(int(r["id"]), r["name"], r["code"], int(r["price_cents"]), sources[int(r["id"])])
        for r in rows
        if sources[int(r["id"])]
    ]


# -- operator writes ---------------------------------------------------------------------------------
def country_id_of(conn: Conn, *, country: str) -> int:
    """A country given by id or ISO code."""
    text = country.strip()
    number = read_integer(text) if text.isdigit() else None
    country_id = (
        conn.scalar("SELECT id FROM otp_countries WHERE id = ?", (number,))
        if number is not None and within(number, ID)
        else conn.scalar("SELECT id FROM otp_countries WHERE code = ?", (text.upper(),))
    )
    if country_id is None:
        raise NotFound(f"No country {country!r}")
    return int(country_id)


def add_country(conn: Conn, *, name: str, code: str) -> int:
    name, code = name.strip(), code.strip().upper()
    if not name:
        raise RuleViolation("Country name must not be empty")
    if len(name) > NAME_LIMIT:
        raise RuleViolation(f"Country name must be at most {NAME_LIMIT} characters")
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise RuleViolation(f"Country code must be 2 letters (ISO 3166-1 alpha-2), got {code!r}")
    if conn.one("SELECT 1 FROM otp_countries WHERE code = ?", (code,)) is not None:
        raise RuleViolation(f"Country {code} already exists")
    country_id = conn.scalar(
        "INSERT INTO otp_countries (name, code, active) VALUES (?, ?, ?) RETURNING id", (name, code, True)
    )
    return int(country_id)


def all_countries(conn: Conn) -> list[Row]:
    return conn.all("SELECT id, name, code, active FROM otp_countries ORDER BY id")


def _check_price(price: Decimal) -> int:
    if price < 0:
        raise RuleViolation("Price must not be negative")
    return to_cents(price)


def add_service(conn: Conn, *, country: str, name: str, code: str, price: Decimal) -> int:
    country_id = country_id_of(conn, country=country)
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise RuleViolation("Service name and code must not be empty")
    if len(name) > NAME_LIMIT or len(code) > CODE_LIMIT:
        raise RuleViolation(f"A service's name is at most {NAME_LIMIT} characters, its code {CODE_LIMIT}")
    if conn.one("SELECT 1 FROM otp_services WHERE country_id = ? AND code = ?", (country_id, code)) is not None:
        raise RuleViolation(f"Service {code!r} already exists in that country")
    service_id = conn.scalar(
        "INSERT INTO otp_services (country_id, name, code, price_cents, active) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (country_id, name, code, _check_price(price), True),
    )
    return int(service_id)


def all_services(conn: Conn, *, country: str | None = None) -> list[Row]:
    """Every service with its country and how many providers are mapped to it (0: never sold)."""
    sql = (
        "SELECT s.id, c.code AS country, s.name, s.code, s.price_cents, s.active, "
        "(SELECT COUNT(*) FROM otp_service_providers m WHERE m.otp_service_id = s.id) AS providers "
        "FROM otp_services s JOIN otp_countries c ON c.id = s.country_id"
    )
    if country is None:
        return conn.all(sql + " ORDER BY s.id")
    return conn.all(sql + " WHERE s.country_id = ? ORDER BY s.id", (country_id_of(conn, country=country),))


def _service_exists(conn: Conn, service_id: int) -> None:
    if conn.one("SELECT 1 FROM otp_services WHERE id = ?", (service_id,)) is None:
        raise NotFound(f"No OTP service {service_id}")


def update_service(
    conn: Conn,
    *,
    service_id: int,
    name: str | None = None,
    price: Decimal | None = None,
    active: bool | None = None,
) -> None:
    """Change a service. A new price applies to later purchases only: orders keep their charge."""
    _service_exists(conn, service_id)
    if name is not None:
        if not name.strip():
            raise RuleViolation("Service name must not be empty")
        conn.execute("UPDATE otp_services SET name = ? WHERE id = ?", (name.strip(), service_id))
    if price is not None:
        conn.execute("UPDATE otp_services SET price_cents = ? WHERE id = ?", (_check_price(price), service_id))
    if active is not None:
        conn.execute("UPDATE otp_services SET active = ? WHERE id = ?", (active, service_id))


def map_provider(
    conn: Conn, *, service_id: int, provider: str, upstream_country: str, upstream_service: str, priority: int
) -> None:
    """Let a provider (by name; ``simulator`` is the built-in one) sell this service; re-mapping the same
    provider updates its codes."""
    _service_exists(conn, service_id)
    if not upstream_country.strip() or not upstream_service.strip():
        raise RuleViolation("Upstream country and service must not be empty")
    if max(len(upstream_country.strip()), len(upstream_service.strip())) > CODE_LIMIT:
        raise RuleViolation(f"Upstream country and service codes are at most {CODE_LIMIT} characters")
    if not -MAX_PRIORITY - 1 <= priority <= MAX_PRIORITY:
        raise RuleViolation(f"Priority must be from {-MAX_PRIORITY - 1} to {MAX_PRIORITY}")
    provider_id = provider_id_named(conn, provider)
    conn.execute(
        "DELETE FROM otp_service_providers WHERE otp_service_id = ? AND provider_id = ?", (service_id, provider_id)
    )
    conn.execute(
        "INSERT INTO otp_service_providers "
        "(otp_service_id, provider_id, upstream_country, upstream_service, priority) VALUES (?, ?, ?, ?, ?)",
        (service_id, provider_id, upstream_country.strip(), upstream_service.strip(), priority),
    )


def unmap_provider(conn: Conn, *, service_id: int, provider: str) -> None:
    """Stop a provider (by name) selling this service; numbers it already sold are not concerned."""
    _service_exists(conn, service_id)
    provider_id = provider_id_named(conn, provider)
    deleted = conn.execute(
        "DELETE FROM otp_service_providers WHERE otp_service_id = ? AND provider_id = ?", (service_id, provider_id)
    ).rowcount
    if not deleted:
        raise NotFound(f"Provider {provider.strip()!r} does not sell service {service_id}")
