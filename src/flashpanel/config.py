"""Settings, read once from the environment (prefix ``FLASHPANEL_``) and passed down explicitly."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Settings that may instead be read from a file named by FLASHPANEL_<NAME>_FILE.
PAYMENT_SECRETS = ("paystack_secret_key", "flutterwave_secret_key", "flutterwave_secret_hash")


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

    # -- the customer web panel ------------------------------------------------------------------
    # The panel's public address (https://panel.example): links in emails, payment callbacks, and
    # whether cookies are Secure. Unset: the address each request was served on.
    public_url: str | None = None
    currency_symbol: str = "\u20a6"  # the naira sign, shown before amounts on the web pages
    signup: Literal["open", "closed"] = "open"
    # Shown on "Add funds" until a payment gateway is configured.
    funding_instructions: str | None = None
    session_idle_minutes: int = 1440  # a web session unused this long ends
    session_max_days: int = 30  # and every web session ends this long after log-in
    rate_limit_login_account: str = "5/minute"  # failed log-ins per account
    rate_limit_login_ip: str = "20/minute"  # failed log-ins per client IP
    smtp_host: str | None = None  # unset: password-reset links are written to the server log
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "flashpanel <noreply@localhost>"
    smtp_starttls: bool = True

    # -- payments: wallet top-ups through hosted checkouts (payments/, docs/deploy.md) ---------------
    # A gateway without its secret is not offered. Each secret may instead be read from a file named by
    # FLASHPANEL_<NAME>_FILE (e.g. FLASHPANEL_PAYSTACK_SECRET_KEY_FILE), so it stays out of the environment.
    paystack_secret_key: str | None = None
    paystack_base_url: str = "https://api.paystack.co"
    flutterwave_secret_key: str | None = None
    flutterwave_secret_hash: str | None = None  # the "secret hash" typed in Flutterwave's dashboard
    flutterwave_base_url: str = "https://api.flutterwave.com"
    topup_min: Decimal = Decimal("100")
    topup_max: Decimal = Decimal("1000000")
    # What the customer pays on top of the amount credited (default 0: the panel absorbs the gateway's fee).
    topup_fee_percent: Decimal = Decimal("0")
    topup_fee_flat: Decimal = Decimal("0")
    # The reconciler verifies pending top-ups this old, and expires those still unpaid after this long.
    topup_recheck_seconds: float = 120.0
    topup_expire_minutes: float = 1440.0
    # Webhook requests with a bad signature allowed per client IP; further ones are answered 429.
    rate_limit_webhook: str = "20/minute"

    # -- the operator back office (admin/) ---------------------------------------------------------
    admin_path: str = "/admin"  # where the back office is served; a path only, e.g. /backoffice
    # Client addresses or networks allowed to reach it, comma-separated (203.0.113.7,10.0.0.0/8); empty: any.
    admin_allowed_ips: str = ""
    admin_session_idle_minutes: int = 30  # shorter than a customer's: an operator's session moves money
    admin_session_max_hours: int = 12
    rate_limit_admin_login: str = "5/minute"  # failed operator log-ins per operator name and per address
    low_stock: int = 10  # Needs attention: products with fewer unsold items than this
    low_provider_balance: int = 0  # Needs attention: providers below this balance (panel currency; 0: off)

    @model_validator(mode="before")
    @classmethod
    def _payment_secrets_from_files(cls, values: object) -> object:
        """``FLASHPANEL_<SECRET>_FILE`` names a file holding the secret (first line, stripped)."""
        if not isinstance(values, dict):
            return values
        for name in PAYMENT_SECRETS:
            path = os.environ.get(f"FLASHPANEL_{name.upper()}_FILE")
            if path and not values.get(name):
                values = {**values, name: Path(path).read_text().strip()}
        return values

    @field_validator(
        "redis_url", "public_url", "smtp_host", "funding_instructions", *PAYMENT_SECRETS, mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("public_url")
    @classmethod
    def _public_url_without_trailing_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("admin_path")
    @classmethod
    def _admin_path_is_a_path(cls, value: str) -> str:
        path = "/" + value.strip().strip("/")
        if path == "/" or not all(part.replace("-", "").replace("_", "").isalnum() for part in path[1:].split("/")):
            raise ValueError("must be a path such as /admin (letters, digits, - and _)")
        return path

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://", "postgresql+"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, parsed once."""
    return Settings()
