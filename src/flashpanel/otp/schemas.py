"""The requests of the OTP endpoints, as decoded at the edge (api/decode.py; bounds in flashpanel/bounds.py)."""

from __future__ import annotations

import msgspec


class CountryServices(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /otp/services``: a country id."""

    country: int


class Purchase(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /otp/purchase``: a country id and one of its service ids."""

    country: int
    service: int


class OrderRef(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /otp/check`` and ``POST /otp/cancel``: the order's ``request_id``."""

    request_id: str
