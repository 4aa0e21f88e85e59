"""API keys: random, shown once, stored and compared only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets


def new_api_key() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, 43 URL-safe characters


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
