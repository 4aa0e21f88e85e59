"""Flutterwave v3 Standard: /v3/payments (amount in naira), verify by our tx_ref, webhooks carrying the
dashboard's secret hash in ``verif-hash`` (a plain shared secret, not a signature: always verify by API)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

import httpx
import msgspec

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
from flashpanel.wallet.money import from_cents

_JSON = msgspec.json.Encoder(decimal_format="number")


def outcome_of(status: str) -> Outcome:
    return "success" if status == "successful" else "failed" if status == "failed" else "pending"


class Flutterwave:
    name = "flutterwave"
    label = "Flutterwave"

    def __init__(self, *, secret_key: str, secret_hash: str | None, base_url: str) -> None:
        self._secret_key = secret_key
        self._secret_hash = secret_hash
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
            "tx_ref": reference,
            # naira, as a JSON number holding exactly the kobo we mean (never through a float)
            "amount": from_cents(amount_cents),
            "currency": currency,
            "redirect_url": return_url,
            "customer": {"email": email, "name": name},
        }
        content = _JSON.encode(body)
        try:
            async with self._client() as client:
                response = await client.post(
                    "/v3/payments", content=content, headers={"Content-Type": "application/json"}
                )
        except httpx.HTTPError as exc:
            raise GatewayError(f"Flutterwave unreachable: {exc.__class__.__name__}") from exc
        return Checkout(url=checkout_url(response, gateway="Flutterwave", field="link"))

    async def verify(self, *, reference: str) -> Verification:
        try:
            async with self._client() as client:
                response = await client.get("/v3/transactions/verify_by_reference", params={"tx_ref": reference})
        except httpx.HTTPError as exc:
            raise GatewayError(f"Flutterwave unreachable: {exc.__class__.__name__}") from exc
        data = verified_data(response, gateway="Flutterwave")
        if data is None:
            return Verification(outcome="unknown", gateway_status="not found")
        status = data["status"]
        return Verification(
            outcome=outcome_of(status),
            gateway_status=status[:32],
            reference=text_or_none(data.get("tx_ref")),
            amount_cents=minor_units(data.get("amount"), major=True),
            currency=text_or_none(data.get("currency")),
            transaction_id=text_or_none(data.get("id")),
        )

    def signature_ok(self, *, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        if not self._secret_hash:  # without a secret hash configured, no webhook can be trusted
            return False
        given = headers.get("verif-hash", "")
        return hmac.compare_digest(given.encode(), self._secret_hash.encode())

    def webhook_reference(self, raw_body: bytes) -> str | None:
        try:
            event = json.loads(raw_body)
            reference = event["data"]["tx_ref"]
        except (ValueError, KeyError, TypeError):
            return None
        return reference if isinstance(reference, str) and len(reference) <= 64 else None
