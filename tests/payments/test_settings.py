"""Payment settings: secrets from files, gateways offered only with their secret, the fee rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flashpanel.config import Settings
from flashpanel.payments.gateways import configured_gateways
from flashpanel.payments.topups import fee_cents


def test_secrets_can_be_read_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "paystack.key"
    key.write_text("sk_live_from_file\n")
    secret_hash = tmp_path / "flw.hash"
    secret_hash.write_text("hash-from-file")
    monkeypatch.setenv("FLASHPANEL_PAYSTACK_SECRET_KEY_FILE", str(key))
    monkeypatch.setenv("FLASHPANEL_FLUTTERWAVE_SECRET_HASH_FILE", str(secret_hash))
    settings = Settings()
    assert settings.paystack_secret_key == "sk_live_from_file"
    assert settings.flutterwave_secret_hash == "hash-from-file"
    assert settings.flutterwave_secret_key is None


def test_a_gateway_without_its_secret_is_not_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAYSTACK_SECRET_KEY", "FLUTTERWAVE_SECRET_KEY"):
        monkeypatch.delenv(f"FLASHPANEL_{name}", raising=False)
        monkeypatch.delenv(f"FLASHPANEL_{name}_FILE", raising=False)
    assert list(configured_gateways(Settings())) == []
    assert list(configured_gateways(Settings(paystack_secret_key=""))) == []
    assert list(configured_gateways(Settings(flutterwave_secret_key="FLWSECK_TEST-x"))) == ["flutterwave"]


@pytest.mark.parametrize(
    ("percent", "flat", "amount_cents", "fee"),
    [("0", "0", 100_000, 0), ("1.5", "0", 100_000, 1_500), ("1.5", "100", 100_000, 11_500), ("1.5", "0", 333, 5)],
)
def test_the_fee_is_the_percentage_plus_the_flat_part_rounded_half_up(
    percent: str, flat: str, amount_cents: int, fee: int
) -> None:
    settings = Settings(topup_fee_percent=Decimal(percent), topup_fee_flat=Decimal(flat))
    assert fee_cents(settings, amount_cents) == fee
