"""Fake payment gateways speaking the real protocols over real HTTP, for tests and for operators
(``flashpanel dev fake-gateway paystack|flutterwave --port P --secret S --webhook-url URL``)."""

from flashpanel.payments.fakes.base import FakeGateway, Knobs, Transaction
from flashpanel.payments.fakes.flutterwave import FakeFlutterwave
from flashpanel.payments.fakes.paystack import FakePaystack

__all__ = ["FakeFlutterwave", "FakeGateway", "FakePaystack", "Knobs", "Transaction"]
