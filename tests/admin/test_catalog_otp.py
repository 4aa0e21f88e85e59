"""OTP services in the back office's catalog: each provider's last quoted cost in naira and the margin
it leaves (thin and negative flagged), and "Check costs now", which any operator may press (audited)."""

from __future__ import annotations

from decimal import Decimal

import httpx
from litestar import Litestar

from flashpanel.admin.audit import AuditFilter, entries
from flashpanel.db.runner import Database
from flashpanel.otp import catalog as otp_catalog
from flashpanel.providers import registry
from flashpanel.providers import service as providers
from flashpanel.providers.base import ProviderError
from tests.admin.support import enrol_and_log_in, form_fields, make_operator
from tests.helpers import state_of
from tests.otp.conftest import FakeNumbers, add_provider


def _service_with_providers(db: Database, app: Litestar, *fakes: tuple[FakeNumbers, str]) -> None:
    """A ₦350.00 "Chat" number in Testland, sold by each fake provider at its exchange rate."""
    db.write_sync(otp_catalog.add_country, name="Testland", code="TL")
    service_id = db.write_sync(otp_catalog.add_service, country="TL", name="Chat", code="ch", price=Decimal(350))
    for priority, (fake, exchange_rate) in enumerate(fakes, start=1):
        provider_id = db.write_sync(add_provider, name=fake.prefix)
        db.write_sync(providers.set_exchange_rate, name=fake.prefix, exchange_rate=Decimal(exchange_rate))
        db.write_sync(
            otp_catalog.map_provider,
            service_id=service_id,
            provider=fake.prefix,
            upstream_country="187",
            upstream_service="ch",
            priority=priority,
        )
        registry.install_number_provider(state_of(app), provider_id, fake)


async def test_check_costs_now_shows_each_providers_cost_in_naira_and_flags_thin_and_negative_margins(
    client: httpx.AsyncClient, db: Database, app: Litestar
) -> None:
    _service_with_providers(
        db,
        app,
        (FakeNumbers(prefix="roomy", cost=Decimal("0.2")), "1500"),  # ₦300.00: 14.3%
        (FakeNumbers(prefix="tight", cost=Decimal("0.22")), "1500"),  # ₦330.00: 5.7%, thin
        (FakeNumbers(prefix="dear", cost=Decimal("0.25")), "1500"),  # ₦375.00: -7.1%, negative
    )
    make_operator(db, "ngozi", role="support")
    await enrol_and_log_in(client, "ngozi")
    before = await client.get("/admin/catalog")
    assert before.text.count("not checked") == 3
    pressed = await client.post("/admin/catalog/otp-costs", data=form_fields(before.text, "/admin/catalog/otp-costs"))
    assert pressed.status_code == 303
    page = (await client.get("/admin/catalog")).text
    assert "Costs checked: 3 answered." in page
    for cost, margin in (("₦300.00", "14.3%"), ("₦330.00", "5.7% <span class=\"tag\">thin</span>"),
                         ("₦375.00", "-7.1% <span class=\"tag\">negative</span>")):  # fmt: skip
        assert cost in page and margin in page
    [audit] = db.read_sync(entries, flt=AuditFilter(action="catalog.otp.check_costs"))
    assert (audit.actor, audit.outcome) == ("ngozi", "done") and '"answered": 3' in (audit.after or "")


async def test_a_provider_that_does_not_answer_is_named_and_its_last_cost_kept(
    client: httpx.AsyncClient, db: Database, app: Litestar
) -> None:
    flaky = FakeNumbers(prefix="flaky", cost=Decimal("0.2"))
    _service_with_providers(db, app, (flaky, "1500"))
    make_operator(db, "olu")
    await enrol_and_log_in(client, "olu")
    page = await client.get("/admin/catalog")
    await client.post("/admin/catalog/otp-costs", data=form_fields(page.text, "/admin/catalog/otp-costs"))
    flaky.quote_error = ProviderError("upstream answered HTTP 502", retryable=True)
    page = await client.get("/admin/catalog")
    await client.post("/admin/catalog/otp-costs", data=form_fields(page.text, "/admin/catalog/otp-costs"))
    after = (await client.get("/admin/catalog")).text
    assert "not answered: flaky 187/ch: upstream answered HTTP 502" in after
    assert "₦300.00" in after  # the last quote still stands
