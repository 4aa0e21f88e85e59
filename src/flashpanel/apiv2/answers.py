"""What each SMM API v2 action answers, built from what the SMM domain returns (the declared shapes of
those answers, for the OpenAPI document, are ``replies.py``).

Nothing here reads the database or decides anything: the rules (who may cancel or refill, placing,
drip-feed) are the SMM domain's (``smm/``); this module only turns their typed results into the
protocol's JSON, its status spellings and its ``{"error": "..."}`` refusals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from flashpanel.apiv2.protocol import INCORRECT_ORDER_ID, REFILL_NOT_FOUND, echo_id, error, order_status, refill_status
from flashpanel.bounds import IdList
from flashpanel.smm.cancel import CancelOutcome
from flashpanel.smm.queries import OrderCharge, ServiceOffer
from flashpanel.smm.refill import RefillRefusal
from flashpanel.wallet.money import format_cents

Reply = dict[str, Any]

CANCEL_REFUSALS: Final[Mapping[CancelOutcome, str]] = {
    CancelOutcome.UNKNOWN_ORDER: INCORRECT_ORDER_ID,
    CancelOutcome.FINISHED: "This order cannot be canceled",
    CancelOutcome.UNSUPPORTED: "Cancel is not available for this service",
}
REFILL_REFUSALS: Final[Mapping[RefillRefusal, str]] = {
    RefillRefusal.UNKNOWN_ORDER: INCORRECT_ORDER_ID,
    RefillRefusal.UNSUPPORTED: "Refill is not available for this service",
    RefillRefusal.NOT_COMPLETED: "Only a completed order can be refilled",
}


def ids_or_none(ids: IdList) -> list[int | None]:
    """Each id as sent, in order: the id, or None for one that names nothing (answered per item)."""
    return [ids.valid.get(text) for text in ids.raw]


def services(offers: Sequence[ServiceOffer]) -> list[Reply]:
    """The protocol's standard list: rate per 1000 in the panel currency (two places, as ``/api/v1``
    shows it), ``min``/``max`` as strings like the reference panels."""
    return [
        {
            "service": offer.id,
            "name": offer.name,
            "type": offer.type,
            "category": offer.category,
            "rate": format_cents(offer.rate_cents),
            "min": str(offer.min_quantity),
            "max": str(offer.max_quantity),
            "refill": offer.refill,
            "cancel": offer.cancel,
            "dripfeed": offer.dripfeed,
        }
        for offer in offers
    ]


def order(charge: OrderCharge | None, currency: str) -> Reply:
    """One order's status, or ``{"error": "Incorrect order ID"}`` for an unknown or foreign one."""
    if charge is None:
        return error(INCORRECT_ORDER_ID)
    return {
        # What the order costs the customer now: the charge less what was refunded (partial, canceled).
        "charge": format_cents(charge.charge_cents - charge.refunded_cents),
        "start_count": str(charge.start_count or 0),
        "status": order_status(charge.status),
        "remains": str(charge.remains),
        "currency": currency,
    }


def orders(ids: IdList, charges: Mapping[int, OrderCharge], currency: str) -> Reply:
    """Up to 100 orders keyed by the id as sent; unknown, foreign and malformed ids each get an error."""
    return {text: order(charges.get(ids.valid.get(text, 0)), currency) for text in ids.raw}


def cancel_outcome(outcome: CancelOutcome) -> int | Reply:
    return 1 if outcome.accepted else error(CANCEL_REFUSALS[outcome])


def cancels(ids: IdList, outcomes: Sequence[CancelOutcome]) -> list[Reply]:
    """``[{"order": 2, "cancel": 1}, {"order": 9, "cancel": {"error": ...}}]``."""
    return [
        {"order": echo_id(text), "cancel": cancel_outcome(outcome)}
        for text, outcome in zip(ids.raw, outcomes, strict=True)
    ]


def refill_outcome(outcome: int | RefillRefusal) -> int | Reply:
    return error(REFILL_REFUSALS[outcome]) if isinstance(outcome, RefillRefusal) else outcome


def refill(outcome: int | RefillRefusal) -> Reply:
    """``{"refill": "<id>"}`` (the reference panels send the id as a string), or ``{"error": ...}``."""
    answer = refill_outcome(outcome)
    return answer if isinstance(answer, dict) else {"refill": str(answer)}


def refills(ids: IdList, outcomes: Sequence[int | RefillRefusal]) -> list[Reply]:
    """``[{"order": 1, "refill": 1}, {"order": 3, "refill": {"error": "Incorrect order ID"}}]``."""
    return [
        {"order": echo_id(text), "refill": refill_outcome(outcome)}
        for text, outcome in zip(ids.raw, outcomes, strict=True)
    ]


def refill_state(status: str | None) -> Reply:
    """``{"status": "Completed"}``, or ``{"error": "Refill not found"}`` for an unknown or foreign refill."""
    return {"status": refill_status(status)} if status else error(REFILL_NOT_FOUND)


def refill_states(ids: IdList, found: Mapping[int, str]) -> list[Reply]:
    """``[{"refill": 1, "status": "Completed"}, {"refill": 3, "status": {"error": "Refill not found"}}]``."""
    results: list[Reply] = []
    for text in ids.raw:
        status = found.get(ids.valid.get(text, 0))
        results.append(
            {"refill": echo_id(text), "status": refill_status(status) if status else error(REFILL_NOT_FOUND)}
        )
    return results
