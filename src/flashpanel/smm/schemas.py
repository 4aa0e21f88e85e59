"""The requests of the SMM endpoints, as decoded at the edge (api/decode.py; bounds in flashpanel/bounds.py).

A field's name is the parameter's name on the wire; the handler passes the values on to ``smm/service.py``
as typed keyword arguments."""

from __future__ import annotations

import msgspec


class PlaceOrder(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /smm/order``: a service id, the link to deliver to, the quantity."""

    service: int
    link: str
    quantity: int


class OrderStatus(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /smm/status``: one of the caller's order ids."""

    order: int
