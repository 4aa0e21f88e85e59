"""API keys: random, shown once, stored and compared only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

# How many of a key's first characters are kept (and shown on the profile page): 8 of its 43
# characters leave 210 random bits unknown.
KEY_PREFIX_LENGTH = 8


def new_api_key() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes, 43 URL-safe characters


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
