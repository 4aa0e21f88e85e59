"""The built-in simulator becomes an explicit provider row

Revision ID: 0008
Revises: 0006

Until now a service with no provider (SMM ``provider_id`` NULL, an OTP service with no mapping) was sold by
the built-in simulator, so a service added without a provider sold fake goods for real money. From now on
a service without a provider is never sold, and the simulator sells only while FLASHPANEL_SIMULATORS is
on. So that an existing panel keeps its catalog exactly as it was, every service the simulator sold is
bound here to a ``simulator`` provider row (created only if there is something to bind), and so are the
orders it fulfils: with FLASHPANEL_SIMULATORS=true the panel behaves as before; without it, those
services stop selling and their orders in flight still complete. See docs/decisions.md, D25.

The change is data only. The previous code also resolved a provider row of kind ``simulator`` to the
simulator, so downgrading leaves the rows as they are.
"""

import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMAPPED_OTP_SERVICES = (
    "FROM otp_services s JOIN otp_countries c ON c.id = s.country_id "
    "WHERE NOT EXISTS (SELECT 1 FROM otp_service_providers m WHERE m.otp_service_id = s.id)"
)
# Every place the old code read "no provider" as "the simulator". An OTP order has no provider until a
# number is bought for it: only those with an activation were the simulator's.
SIMULATED = (
    "SELECT 1 FROM smm_services WHERE provider_id IS NULL",
    "SELECT 1 FROM smm_orders WHERE provider_id IS NULL",
    "SELECT 1 FROM otp_orders WHERE provider_id IS NULL AND upstream_activation_id IS NOT NULL",
    f"SELECT 1 {UNMAPPED_OTP_SERVICES}",
)


def _simulator_id(bind: sa.Connection) -> int:
    found = bind.execute(sa.text("SELECT id FROM providers WHERE kind = 'simulator' ORDER BY id LIMIT 1")).first()
    if found is not None:
        return int(found[0])
    taken = bind.execute(sa.text("SELECT 1 FROM providers WHERE name = 'simulator'")).first() is not None
    bind.execute(
        sa.text(
            "INSERT INTO providers (name, kind, url, api_key_encrypted, currency, exchange_rate, active, created_at) "
            "VALUES (:name, 'simulator', NULL, NULL, NULL, '1', :active, :at)"
        ),
        {"name": "built-in simulator" if taken else "simulator", "active": True, "at": time.time()},
    )
    return _simulator_id(bind)


def upgrade() -> None:
    bind = op.get_bind()
    if not any(bind.execute(sa.text(sql + " LIMIT 1")).first() for sql in SIMULATED):
        return  # a fresh database, or one that never used the simulator: nothing to bind
    simulator = {"simulator": _simulator_id(bind)}
    bind.execute(
        sa.text(
            "INSERT INTO otp_service_providers (otp_service_id, provider_id, upstream_service, upstream_country, "
            f"priority) SELECT s.id, :simulator, s.code, c.code, 0 {UNMAPPED_OTP_SERVICES}"
        ),
        simulator,
    )
    bind.execute(sa.text("UPDATE smm_services SET provider_id = :simulator WHERE provider_id IS NULL"), simulator)
    bind.execute(sa.text("UPDATE smm_orders SET provider_id = :simulator WHERE provider_id IS NULL"), simulator)
    bind.execute(
        sa.text(
            "UPDATE otp_orders SET provider_id = :simulator "
            "WHERE provider_id IS NULL AND upstream_activation_id IS NOT NULL"
        ),
        simulator,
    )


def downgrade() -> None:
    pass  # see the module docstring: the previous code reads the simulator row as the simulator
