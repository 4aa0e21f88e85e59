"""Settings, read once from the environment (prefix ``FLASHPANEL_``) and passed down explicitly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLASHPANEL_", extra="ignore")

    database_url: str = "sqlite:///./flashpanel.db"
    redis_url: str | None = None
    currency: str = "NGN"

    rate_limit_balance: str = "60/minute"
    rate_limit_list: str = "30/minute"
    rate_limit_orders: str = "10/minute"
    rate_limit_status: str = "30/minute"
    # Failed authentications allowed per client IP, so keys cannot be brute-forced.
    rate_limit_auth_failures: str = "20/minute"

    secret_key_file: Path = Path("./flashpanel.key")
    # Where `flashpanel demo seed` keeps the demo customer's API key (0600), to print it again.
    demo_key_file: Path = Path("./flashpanel-demo.key")

    # The longest request body accepted (bytes); a longer one is answered 413 (docs/api.md).
    max_body_bytes: int = 1024 * 1024

    # Run the background loops (submission, status sync, expiry) inside the API process.
    run_worker: bool = True
    # One access line per request (method, path without its query string, status, time); see api/access_log.py.
    access_log: bool = True

    # Connections (PostgreSQL) or reader threads (SQLite) serving units of work.
    db_pool_size: int = 8

    otp_ttl_seconds: int = 1200
    # The built-in simulators sell fake goods: services bound to them are listed and sold only while this
    # is on (`serve --demo` turns it on for its process). Off by default, so a live panel never sells them.
    simulators: bool = False
    simulator_smm_seconds: float = 60.0
    simulator_sms_delay_seconds: float = 20.0
    # How often the in-process background loops wake up.
    worker_interval_seconds: float = 1.0
    # An SMM order its upstream keeps calling unknown is flagged for the operator after this many such
    # answers in a row spanning at least this long; no money moves (the operator decides).
    unknown_order_attention_after: int = 5
    unknown_order_attention_seconds: float = 1800.0

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_redis_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://", "postgresql+"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, parsed once."""
    return Settings()
