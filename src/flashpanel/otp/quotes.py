"""What each provider of an OTP service charges for a number now: asked of the providers (``quote``,
``getPrices`` for SMS-Activate), kept on the mapping (``otp_service_providers.quoted_cost``/``quoted_at``)
for the back office's cost and margin. Nothing here moves money or decides a price: profit still counts
recorded costs only (each order's ``cost``, as the provider stated it at purchase)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from flashpanel.db.runner import Conn, now
from flashpanel.db.typed import all_as
from flashpanel.providers import registry
from flashpanel.providers.base import ProviderError, Quote
from flashpanel.providers.catalog_sync import cost_text
from flashpanel.state import AppState

log = logging.getLogger("flashpanel.otp.quotes")

QUOTE_TIMEOUT_SECONDS = 10.0
CONCURRENT_QUOTES = 8  # upstreams rate-limit; a catalog of hundreds of mappings is asked 8 at a time


class Mapping(msgspec.Struct, frozen=True):
    id: int
    provider_id: int
    provider: str
    upstream_country: str
    upstream_service: str


@dataclass(frozen=True, slots=True)
class Checked:
    asked: int  # mappings whose provider answered
    failed: list[str]  # "provider country/service: why" for each that did not


def active_mappings(conn: Conn) -> list[Mapping]:
    """Mappings of active services to active providers: the ones a customer can buy through."""
    return all_as(
        conn,
        Mapping,
        "SELECT m.id, m.provider_id, p.name AS provider, m.upstream_country, m.upstream_service "
        "FROM otp_service_providers m JOIN providers p ON p.id = m.provider_id "
        "JOIN otp_services s ON s.id = m.otp_service_id WHERE p.active AND s.active ORDER BY m.id",
    )


def store_quotes(conn: Conn, *, quotes: dict[int, Decimal | None], at: float) -> None:
    """Keep each mapping's quoted cost (None when the provider gave no price) and when it was asked."""
    for mapping_id, cost in quotes.items():
        conn.execute(
            "UPDATE otp_service_providers SET quoted_cost = ?, quoted_at = ? WHERE id = ?",
            (None if cost is None else cost_text(cost), at, mapping_id),
        )


async def check_quotes(state: AppState) -> Checked:
    """Ask every active mapping's provider for its price now (outside any transaction, a few at a time,
    each bounded), then store the answers in one unit. A provider that fails keeps its last quote."""
    mappings = await state.db.read(active_mappings)
    gate = asyncio.Semaphore(CONCURRENT_QUOTES)

    async def ask(mapping: Mapping) -> Quote | str:
        async with gate:
            try:
                provider = await registry.number_provider(state, mapping.provider_id)
                country, service = mapping.upstream_country, mapping.upstream_service
                asking = provider.quote(upstream_country=country, upstream_service=service)
                return await asyncio.wait_for(asking, timeout=QUOTE_TIMEOUT_SECONDS)
            except ProviderError as exc:
                return exc.message
            except TimeoutError:
                return f"no answer within {QUOTE_TIMEOUT_SECONDS:.0f} s"

    answers = await asyncio.gather(*(ask(m) for m in mappings))
    quotes: dict[int, Decimal | None] = {}
    failed: list[str] = []
    for mapping, answer in zip(mappings, answers, strict=True):
        if isinstance(answer, Quote):
            quotes[mapping.id] = answer.cost
        else:
            where = f"{mapping.provider} {mapping.upstream_country}/{mapping.upstream_service}"
            failed.append(f"{where}: {answer}")
            log.warning("price of %s not checked: %s", where, answer)
    if quotes:
        await state.db.write(store_quotes, quotes=quotes, at=now())
    return Checked(asked=len(quotes), failed=failed)
