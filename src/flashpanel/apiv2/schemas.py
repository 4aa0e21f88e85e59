"""The requests of the /api/v2 actions, as decoded at the edge (api/decode.py; bounds in flashpanel/bounds.py).

Ids are decoded leniently, as the protocol answers them: an id that is not a positive integer inside its
bounds is the id of nothing (``{"error": "Incorrect order ID"}``), never a refusal of the whole request."""

from __future__ import annotations

import msgspec

from flashpanel.bounds import IdList


class Add(msgspec.Struct, frozen=True, kw_only=True):
    """``add``: an order; with ``runs`` (and then ``interval``, minutes) a drip-feed of ``quantity`` per run."""

    service: int
    link: str
    quantity: int
    runs: int | None = None
    interval: int | None = None


class OrderIds(msgspec.Struct, frozen=True, kw_only=True):
    """``status`` and ``refill``: one ``order``, or ``orders`` (up to 100; they win when both are sent)."""

    order: int | None = None
    orders: IdList | None = None


class RefillIds(msgspec.Struct, frozen=True, kw_only=True):
    """``refill_status``: one ``refill``, or ``refills`` (up to 100)."""

    refill: int | None = None
    refills: IdList | None = None


class CancelIds(msgspec.Struct, frozen=True, kw_only=True):
    """``cancel``: ``orders`` (up to 100); a lone ``order`` is read as a list of one or more too."""

    orders: IdList | None = None
    order: IdList | None = None
