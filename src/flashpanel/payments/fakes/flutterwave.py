"""A fake Flutterwave (v3 Standard): ``/v3/payments``, both verify endpoints (amounts in naira, with
decimals), ``resend-hook``, a hosted checkout, and ``charge.completed`` webhooks carrying ``verif-hash``."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from flashpanel.payments.fakes.base import FakeGateway, Incoming, Transaction
from flashpanel.providers.fakes.server import Answer

STATUS_WORDS = {"success": "successful", "failed": "failed", "abandoned": "cancelled", "reversed": "reversed",
                "pending": "pending"}  # fmt: skip
_JSON = msgspec.json.Encoder(decimal_format="number")


def naira(minor: int) -> Decimal:
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


class FakeFlutterwave(FakeGateway):
    name = "Flutterwave"

    def __init__(self, *, secret: str, secret_hash: str = "test-hash", webhook_url: str | None = None) -> None:
        super().__init__(secret=secret, webhook_url=webhook_url)
        self.secret_hash = secret_hash

    def status_word(self, transaction: Transaction) -> str:
        return STATUS_WORDS[transaction.outcome or "pending"]

    def redirect_query(self, transaction: Transaction) -> dict[str, str]:
        return {
            "status": self.status_word(transaction),
            "tx_ref": transaction.reference,
            "transaction_id": str(transaction.id),
        }

    def webhook_wanted(self, transaction: Transaction) -> bool:
        return transaction.outcome in ("success", "failed")

    def data(self, transaction: Transaction) -> dict[str, object]:
        paid = transaction.paid_minor if transaction.paid_minor is not None else transaction.amount_minor
        return {
            "id": transaction.id,
            "tx_ref": transaction.reference,
            "flw_ref": f"FLW-MOCK-{transaction.id}",
            "amount": naira(paid),
            "charged_amount": naira(paid),
            "app_fee": Decimal("1.40"),
            "currency": transaction.paid_currency or transaction.currency,
            "status": self.status_word(transaction),
            "customer": {"email": transaction.email},
        }

    def webhook(self, transaction: Transaction, *, bad_signature: bool) -> tuple[bytes, dict[str, str]]:
        body = _JSON.encode({"event": "charge.completed", "data": self.data(transaction)})
        return body, {"verif-hash": "not-the-hash" if bad_signature else self.secret_hash}

    def _fetched(self, transaction: Transaction | None) -> Answer:
        # Flutterwave has no transaction until the customer tries to pay.
        if transaction is None or transaction.outcome is None:
            return Answer.json(
                {"status": "error", "message": "No transaction was found for this id", "data": None}, 400
            )
        with self.lock:
            data = self.data(transaction)
        body = {"status": "success", "message": "Transaction fetched successfully", "data": data}
        return Answer(200, _JSON.encode(body))

    async def route(self, request: Incoming) -> Answer:
        if not self.authorized(request):
            return Answer.json({"status": "error", "message": "Invalid authorization key", "data": None}, 401)
        path = request.path
        if request.method == "POST" and path == "/v3/payments":
            return self._initialize(request)
        if request.method == "GET" and path == "/v3/transactions/verify_by_reference":
            await self.held_verify()
            return self._fetched(self.transactions.get(request.query.get("tx_ref", "")))
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v3", "transactions"] and parts[2].isdigit():
            transaction = self.by_id.get(int(parts[2]))
            if request.method == "GET" and parts[3] == "verify":
                await self.held_verify()
                return self._fetched(transaction)
            if request.method == "POST" and parts[3] == "resend-hook" and transaction is not None:
                self.send_webhook(transaction.reference)
                return Answer.json({"status": "success", "message": "hook sent", "data": None})
        return Answer.json({"status": "error", "message": "Not found", "data": None}, 404)

    def _initialize(self, request: Incoming) -> Answer:
        try:
            body = request.json()
            reference, amount = body["tx_ref"], body["amount"]
            email = body["customer"]["email"]
        except (ValueError, KeyError, TypeError):
            return Answer.json({"status": "error", "message": "tx_ref, amount and customer.email are required"}, 400)
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal) or amount <= 0:
            return Answer.json({"status": "error", "message": "Invalid amount"}, 400)
        minor = Decimal(amount) * 100
        if minor != minor.to_integral_value():
            return Answer.json({"status": "error", "message": "Amount has more than 2 decimals"}, 400)
        try:
            url = self.new_transaction(
                reference=str(reference),
                amount_minor=int(minor),
                currency=str(body.get("currency") or "NGN"),
                email=str(email),
                return_url=str(body.get("redirect_url") or ""),
            )
        except ValueError as exc:
            return Answer.json({"status": "error", "message": str(exc)}, 400)
        return Answer.json({"status": "success", "message": "Hosted Link", "data": {"link": url}})
