"""Secrets at rest (stock items, provider keys): Fernet with a key kept in ``SECRET_KEY_FILE``."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet


class SecretBox:
    """Encrypts and decrypts secrets; also gives a keyed fingerprint for de-duplication."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._fingerprint_key = hashlib.sha256(b"flashpanel-fingerprint:" + key).digest()
        self._key = key

    def derive_key(self, purpose: str) -> bytes:
        """A key for ``purpose`` (e.g. signing web cookies), derived from the secret key: every process
        sharing the key file derives the same one, and no two purposes share a key."""
        return hashlib.sha256(f"flashpanel-{purpose}:".encode() + self._key).digest()

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def fingerprint(self, plaintext: str) -> str:
        return hmac.new(self._fingerprint_key, plaintext.encode(), hashlib.sha256).hexdigest()


def load_or_create_key(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600) with a fresh key if it does not exist."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def open_secret_box(path: Path) -> SecretBox:
    return SecretBox(load_or_create_key(path))
