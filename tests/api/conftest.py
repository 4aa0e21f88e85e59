"""Fixtures for the API edge tests: a shop with one thing of each kind."""

from __future__ import annotations

import pytest

from flashpanel.config import Settings
from flashpanel.crypto import open_secret_box
from flashpanel.db.runner import Database
from tests.api.endpoints import Shop, open_shop


@pytest.fixture
def shop(db: Database, settings: Settings) -> Shop:
    return db.write_sync(open_shop, secrets=open_secret_box(settings.secret_key_file))
