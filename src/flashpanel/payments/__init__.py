"""Wallet top-ups: hosted checkouts (Paystack, Flutterwave), bank transfers the operator approves,
the one credit path (``credit.py``), the reconciler (``reconciler.py``) and fake gateways (``fakes/``)."""
