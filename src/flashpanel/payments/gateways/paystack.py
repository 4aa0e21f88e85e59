"""Paystack: initialize (amount in kobo), verify by our reference, webhooks signed with HMAC-SHA512."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import httpx

from flashpanel.payments.gateways.base import (
    CONNECT_TIMEOUT_SECONDS,
    TIMEOUT_SECONDS,
    Checkout,
    GatewayError,
    Outcome,
    Verification,
    checkout_url,
    minor_units,
    text_or_none,
    verified_data,
)

SUCCESS = {"success"}
FAILED = {"failed", "reversed"}
# abandoned, ongoing, pending, processing, queued: not paid yet; an abandoned checkout may still be paid.


def outcome_of(status: str) -> Outcome:
    return "success" if status in SUCCESS else "failed" if status in FAILED else "pending"


def signature(secret_key: str, raw_body: bytes) -> str:
    """``x-paystack-signature``: hex HMAC-SHA512 of the raw request body, keyed with the secret key."""
    return hmac.new(secret_key.encode(), raw_body, hashlib.sha512).hexdigest()


class Paystack:
    name = "paystack"
    label = "Paystack"

    def __init__(self, *, secret_key: str, base_url: str) -> None:
        self._secret_key = secret_key
        self._base_url = base_url.rstrip("/")

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._base_url,
            headers={"Authorization": f"Bearer {self._secret_key}"},
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
        )

    async def initialize(
        self, *, reference: str, amount_cents: int, currency: str, email: str, name: str, return_url: str
    ) -> Checkout:
        body = {
            "email": email,
            "amount": amount_cents,
            "currency": currency,
            "reference": reference,
            "callback_url": return_url,
            "metadata": json.dumps({"customer": name}),
        }
        try:
            async with self._client() as client:
                response = await client.post("/transaction/initialize", json=body)
        except httpx.HTTPError as exc:
            raise GatewayError(f"Paystack unreachable: {exc.__class__.__name__}") from exc
        return Checkout(url=checkout_url(response, gateway="Paystack", field="authorization_url"))

    async def verify(self, *, reference: str) -> Verification:
        try:
            async with self._client() as client:
                response = await client.get(f"/transaction/verify/{reference}")
        except httpx.HTTPError as exc:
            raise GatewayError(f"Paystack unreachable: {exc.__class__.__name__}") from exc
        data = verified_data(response, gateway="Paystack")
        if data is None:
            return Verification(outcome="unknown", gateway_status="not found")
        status = data["status"]
        return Verification(
            outcome=outcome_of(status),
            gateway_status=status[:32],
            reference=text_or_none(data.get("reference")),
            amount_cents=minor_units(data.get("amount"), major=False),
            currency=text_or_none(data.get("currency")),
            transaction_id=text_or_none(data.get("id")),
        )

    def signature_ok(self, *, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        given = headers.get("x-paystack-signature", "")
        return hmac.compare_digest(given.encode(), signature(self._secret_key, raw_body).encode())

    def webhook_reference(self, raw_body: bytes) -> str | None:
        try:
            event = json.loads(raw_body)
            reference = event["data"]["reference"]
        except (ValueError, KeyError, TypeError):
            return None
        return reference if isinstance(reference, str) and len(reference) <= 64 else None
