"""Jinja2 for the web pages: one environment, autoescaping always on, filters for money and times.

Templates live in ``web/templates`` (the back office adds its own folder to ``directories``). Litestar
adds ``request``, ``csrf_input`` and ``csrf_token()`` to every template's context."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from flashpanel.config import Settings
from flashpanel.wallet.money import to_cents

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def format_money(value: int | Decimal, symbol: str, *, signed: bool = False) -> str:
    """An amount as customers read it: ``Decimal("15000")`` or ``1500000`` cents (an ``int`` is always
    cents) → ``₦15,000.00``; ``signed`` puts + before credits (ledgers). Debits always show a minus sign."""
    cents = to_cents(value) if isinstance(value, Decimal) else int(value)
    whole, part = divmod(abs(cents), 100)
    sign = "\u2212" if cents < 0 else "+" if signed and cents > 0 else ""
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def format_time(epoch: float | None) -> str:
    """A stored time (UTC epoch seconds) as ``2025-01-31 14:05 UTC``; ``—`` when unknown."""
    if epoch is None:
        return "\u2014"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M UTC")


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: browsers may cache a file as long as it is unchanged."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


def build_environment(settings: Settings, directories: Sequence[Path] = ()) -> Environment:
    environment = Environment(
        loader=FileSystemLoader([TEMPLATES, *directories]),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable is an error in tests, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a new release; no stat() per page
    )
    symbol = settings.currency_symbol
    environment.filters["money"] = lambda cents, signed=False: format_money(cents, symbol, signed=signed)
    environment.filters["when"] = format_time
    environment.globals["static_url"] = static_url
    environment.globals["currency"] = settings.currency
    environment.globals["signup_open"] = settings.signup == "open"
    return environment


def template_config(settings: Settings, directories: Sequence[Path] = ()) -> TemplateConfig[JinjaTemplateEngine]:
    engine = JinjaTemplateEngine(engine_instance=build_environment(settings, directories))
    return TemplateConfig(instance=engine)
