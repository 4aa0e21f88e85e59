"""The long-lived objects of a running flashpanel process, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flashpanel.config import Settings
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Database

if TYPE_CHECKING:
    from flashpanel.api.ratelimit import RateLimits


@dataclass
class AppState:
    settings: Settings
    db: Database
    limits: RateLimits
    secrets: SecretBox
    # Per-domain caches and provider clients, keyed by the domain that owns them.
    extras: dict[str, Any] = field(default_factory=dict)
