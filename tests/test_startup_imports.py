"""A serving process stays small: building the app loads no SQLAlchemy (tables are for Alembic only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_BUILD_THE_APP = """
import sys
from pathlib import Path
from flashpanel.app import create_app
from flashpanel.config import Settings
folder = Path(sys.argv[1])
create_app(Settings(database_url=f"sqlite:///{folder}/panel.db", secret_key_file=folder / "secret.key",
                    demo_key_file=folder / "demo.key"))
print(sorted(name for name in sys.modules if name == "sqlalchemy" or name.startswith("sqlalchemy.")))
"""


def test_building_the_app_imports_no_sqlalchemy(tmp_path: Path) -> None:
    # A fresh interpreter: the test session itself has long imported SQLAlchemy for its migrations.
    result = subprocess.run(
        [sys.executable, "-c", _BUILD_THE_APP, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
