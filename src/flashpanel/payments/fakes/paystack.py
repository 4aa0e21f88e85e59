"""A fake Paystack: ``/transaction/initialize``, ``/transaction/verify/:reference``, a hosted checkout,
and ``charge.success`` webhooks signed with HMAC-SHA512 of the raw body (sent for successes only, as
Paystack does)."""

from __future__ import annotations

import json
import re

from flashpanel.payments.fakes.base import FakeGateway, Incoming, Transaction
from flashpanel.payments.gateways.paystack import signature
from flashpanel.providers.fakes.server import Answer

REFERENCE = re.compile(r"[A-Za-z0-9.=-]{1,100}")
STATUS_WORDS = {"success": "success", "failed": "failed", "abandoned": "abandoned", "reversed": "reversed",
                "pending": "pending"}  # fmt: skip


class FakePaystack(FakeGateway):
    name = "Paystack"

    def status_word(self, transaction: Transaction) -> str:
        # Paystack calls a checkout nobody has completed yet "abandoned" too.
        return STATUS_WORDS[transaction.outcome or "abandoned"]

    def redirect_query(self, transaction: Transaction) -> dict[str, str]:
        return {"trxref": transaction.reference, "reference": transaction.reference}

    def webhook_wanted(self, transaction: Transaction) -> bool:
        return transaction.outcome == "success"

    def data(self, transaction: Transaction) -> dict[str, object]:
        return {
            "id": transaction.id,
            "domain": "test",
            "status": self.status_word(transaction),
            "reference": transaction.reference,
            "amount": transaction.paid_minor if transaction.paid_minor is not None else transaction.amount_minor,
            "currency": transaction.paid_currency or transaction.currency,
            "customer": {"email": transaction.email},
        }

    def webhook(self, transaction: Transaction, *, bad_signature: bool) -> tuple[bytes, dict[str, str]]:
        body = json.dumps({"event": "charge.success", "data": self.data(transaction)}).encode()
        key = "not-the-secret" if bad_signature else self.secret
        return body, {"x-paystack-signature": signature(key, body)}

    async def route(self, request: Incoming) -> Answer:
        if not self.authorized(request):
            return Answer.json({"status": False, "message": "Invalid key"}, 401)
        if request.method == "POST" and request.path == "/transaction/initialize":
            return self._initialize(request)
        if request.method == "GET" and request.path.startswith("/transaction/verify/"):
            await self.held_verify()
            transaction = self.transactions.get(request.path.rsplit("/", 1)[1])
            if transaction is None:
                return Answer.json({"status": False, "message": "Transaction reference not found"}, 400)
            with self.lock:
                data = self.data(transaction)
            return Answer.json({"status": True, "message": "Verification successful", "data": data})
        return Answer.json({"status": False, "message": "Not found"}, 404)

    def _initialize(self, request: Incoming) -> Answer:
        try:
            body = request.json()
            email, amount = body["email"], body["amount"]
            reference, callback = body.get("reference"), body.get("callback_url")
        except (ValueError, KeyError, TypeError):
            return Answer.json({"status": False, "message": "email and amount are required"}, 400)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return Answer.json({"status": False, "message": "Invalid amount: an integer in kobo"}, 400)
        if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
            return Answer.json({"status": False, "message": "Invalid reference"}, 400)
        try:
            url = self.new_transaction(
                reference=reference,
                amount_minor=amount,
                currency=str(body.get("currency") or "NGN"),
                email=str(email),
                return_url=str(callback or ""),
            )
        except ValueError as exc:
            return Answer.json({"status": False, "message": str(exc)}, 400)
        return Answer.json(
            {
                "status": True,
                "message": "Authorization URL created",
                "data": {"authorization_url": url, "access_code": f"ac_{reference}", "reference": reference},
            }
        )
