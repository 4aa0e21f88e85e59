"""Run the whole suite: on SQLite, then on PostgreSQL + Redis.

`make test` calls this. PostgreSQL and Redis are looked for at FLASHPANEL_TEST_POSTGRES_ADMIN_URL
(default postgresql://postgres@127.0.0.1:5432/test) and FLASHPANEL_TEST_REDIS_URL (default
redis://127.0.0.1:6379/15). A scratch database is created for the run and dropped after it.
Without them the PostgreSQL pass is skipped and the skip is said plainly, unless
FLASHPANEL_TEST_REQUIRE_SERVICES=1 (as in CI), which turns their absence into a failure.
Extra arguments are passed to pytest. The SQLite pass runs under coverage.py and the summary ends with
its total line coverage of src/flashpanel (printed, never enforced).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable

ADMIN_URL = os.environ.get("FLASHPANEL_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FLASHPANEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("FLASHPANEL_TEST_REQUIRE_SERVICES") == "1"


def pytest(extra_env: dict[str, str], label: str, *, coverage_file: str | None = None) -> int:
    """One pass of the suite; with ``coverage_file``, under coverage.py, its data written there."""
    print(f"\n=== flashpanel test suite on {label} ===", flush=True)
    env = {**os.environ, **extra_env}
    measure = ["-m", "coverage", "run", f"--data-file={coverage_file}"] if coverage_file else []
    command = [sys.executable, *measure, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]
    return subprocess.call(command, env=env)


def coverage_total(coverage_file: str) -> str:
    """The line coverage of src/flashpanel measured in one pass, e.g. ``"87.4%"`` (no threshold)."""
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "report", f"--data-file={coverage_file}", "--format=total", "--precision=1"],
        capture_output=True,
        text=True,
    )
    return f"{report.stdout.strip()}%" if report.returncode == 0 else f"not measured ({report.stderr.strip()})"


def services_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"
    return None


def with_scratch_database(run: Callable[[str], int]) -> int:
    import psycopg

    name = f"flashpanel_test_{uuid.uuid4().hex[:12]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return run(f"{base}/{name}")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    results: list[tuple[str, int | str]] = []
    # Coverage is measured on the SQLite pass only (in-process code; not the processes the e2e tests
    # spawn): measuring the PostgreSQL pass too would add its overhead a second time for the few
    # dialect branches only that pass reaches.
    coverage_dir = tempfile.mkdtemp(prefix="flashpanel-coverage-")
    coverage_file = os.path.join(coverage_dir, "coverage.sqlite")
    no_services = {"FLASHPANEL_TEST_POSTGRES_URL": "", "FLASHPANEL_TEST_REDIS_URL": ""}
    results.append(("SQLite", pytest(no_services, "SQLite", coverage_file=coverage_file)))
    coverage = coverage_total(coverage_file)
    shutil.rmtree(coverage_dir, ignore_errors=True)
    problem = services_problem()
    if problem is None:
        code = with_scratch_database(
            lambda url: pytest(
                {"FLASHPANEL_TEST_POSTGRES_URL": url, "FLASHPANEL_TEST_REDIS_URL": REDIS_URL},
                "PostgreSQL + Redis",
            )
        )
        results.append(("PostgreSQL + Redis", code))
    elif REQUIRE:
        print(f"\nFAILED: the PostgreSQL + Redis suite is required here but cannot run: {problem}", flush=True)
        results.append(("PostgreSQL + Redis", "unavailable"))
    else:
        print(f"\nSKIPPED the PostgreSQL + Redis suite: {problem}", flush=True)
        results.append(("PostgreSQL + Redis", "skipped"))
    print("\n=== summary ===")
    for label, outcome in results:
        print(f"{label}: {'passed' if outcome == 0 else outcome if isinstance(outcome, str) else 'FAILED'}")
    print(f"coverage of src/flashpanel, SQLite pass: {coverage}")
    failed = [o for _, o in results if o not in (0, "skipped")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
