"""Request shapes several endpoints share (each domain's own are in ``<domain>/schemas.py``)."""

from __future__ import annotations

import msgspec


class NoParameters(msgspec.Struct, frozen=True):
    """The request of an endpoint that reads no parameter besides the key (``/balance``, the lists)."""


class HistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /smm/orders``, ``/otp/orders``, ``/accounts/orders``: a page (≥ 1) of ``limit`` (1..100) orders."""

    page: int = 1
    limit: int = 20
