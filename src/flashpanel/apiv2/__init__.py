"""The SMM panel API v2 (``POST /api/v2``, ``key`` + ``action``), served on the same customers, wallets,
catalog and orders as ``/api/v1``, plus the refill and cancel-request records that protocol needs."""
