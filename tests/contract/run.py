"""schemathesis against a live ``flashpanel serve --demo``, on SQLite or on PostgreSQL + Redis (``make contract``).

Every operation of /docs/openapi.json, a seeded and bounded number of examples each (``--max-examples``,
default 50), checked for: no 5xx, a declared status, the declared content type, the declared headers and
a body that validates against the declared schema. The demo customer's key goes in an ``X-API-Key``
header; the rate limits are raised for the run (schemathesis sends hundreds of requests a minute with one
key), and the demo wallet is topped up so that orders keep succeeding. schemathesis prints the figures
(operations tested, test cases generated, failures) and exits non-zero when any check failed.

    python -m tests.contract.run --backend sqlite
    python -m tests.contract.run --backend postgres   # a scratch database, FLASHPANEL_TEST_REDIS_URL's Redis
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.support import free_port

ADMIN_URL = os.environ.get("FLASHPANEL_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FLASHPANEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
ROOMY = "1000000/minute"
BIN = Path(sys.executable).parent


@contextmanager
def backend(kind: str, workdir: Path) -> Iterator[dict[str, str]]:
    """The environment pointing flashpanel at a fresh database of ``kind`` (dropped afterwards)."""
    if kind == "sqlite":
        yield {"FLASHPANEL_DATABASE_URL": f"sqlite:///{workdir / 'contract.db'}", "FLASHPANEL_REDIS_URL": ""}
        return
    import psycopg
    import redis

    name = f"flashpanel_contract_{uuid.uuid4().hex[:12]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        yield {"FLASHPANEL_DATABASE_URL": f"{base}/{name}", "FLASHPANEL_REDIS_URL": REDIS_URL}
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flashpanel(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "flashpanel"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"flashpanel {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped:\n" + log.read_text())
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer within 60 s:\n" + log.read_text())


def run(kind: str, *, examples: int, seed: int, workdir: Path) -> int:
    with backend(kind, workdir) as database:
        env = {
            **os.environ,
            **database,
            "FLASHPANEL_SECRET_KEY_FILE": str(workdir / "secret.key"),
            "FLASHPANEL_DEMO_KEY_FILE": str(workdir / "demo.key"),
            **{
                f"FLASHPANEL_RATE_LIMIT_{name}": ROOMY
                for name in ("BALANCE", "LIST", "ORDERS", "STATUS", "AUTH_FAILURES")
            },
        }
        port = free_port()
        log = workdir / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [str(BIN / "flashpanel"), "serve", "--demo", "--port", str(port), "--no-access-log"],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
            )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, server, log)
            flashpanel(env, "users", "topup", "demo", "100000000", "--note", "contract run")
            key = (workdir / "demo.key").read_text().strip()
            command = [
                str(BIN / "schemathesis"), "run", f"{url}/docs/openapi.json", "--url", url,
                "--header", f"X-API-Key: {key}", "--checks", ",".join(CHECKS),
                "--max-examples", str(examples), "--seed", str(seed), "--workers", "1",
                "--phases", "examples,coverage,fuzzing", "--generation-with-security-parameters", "false",
                "--suppress-health-check", "all", "--no-color", "--output-sanitize", "true",
            ]  # fmt: skip
            print(f"=== schemathesis on {kind}: {examples} examples per operation, seed {seed} ===", flush=True)
            started = time.monotonic()
            code = subprocess.call(command, env=env, cwd=workdir)  # its caches stay out of the work tree
            print(f"--- schemathesis on {kind} took {time.monotonic() - started:.0f} s, exit {code}", flush=True)
            return code
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.returncode not in (0, -15):
                print(log.read_text()[-4000:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1414)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flashpanel-contract-") as workdir:
        return run(args.backend, examples=args.max_examples, seed=args.seed, workdir=Path(workdir))


if __name__ == "__main__":
    sys.exit(main())
