"""The requests of the Accounts endpoints, as decoded at the edge (api/decode.py; bounds in flashpanel/bounds.py)."""

from __future__ import annotations

import msgspec


class CategoryProducts(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /accounts/products``: a category id."""

    category: int


class Purchase(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /accounts/purchase``: a product id and how many items."""

    product: int
    quantity: int


class OrderDetails(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /accounts/order``: one of the caller's order ids."""

    order: int
