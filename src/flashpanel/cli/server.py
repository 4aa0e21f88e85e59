"""``flashpanel serve`` and ``flashpanel worker``."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Annotated

import typer

from flashpanel.cli.common import database, fail, migrate
from flashpanel.cli.demo import seed_demo
from flashpanel.config import get_settings
from flashpanel.server import cannot_listen, cannot_serve_metrics, listen, serve_metrics


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of API processes")] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Seed the demo catalog and customer, and turn the built-in simulators on (this process)"
        ),
    ] = False,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not run background loops in the API process")
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request (keys redacted)")] = True,
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-For/Proto from --forwarded-allow-ips (behind nginx)")
    ] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(help="Proxies trusted for --proxy-headers")] = "127.0.0.1",
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics at http://METRICS_HOST:PORT/metrics (own listener)")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface for --metrics-port")] = "127.0.0.1",
) -> None:
    """Migrate the database (creating it if needed) and serve the API."""
    settings = get_settings()
    if workers < 1:
        fail("--workers must be at least 1")
    if workers > 1 and not settings.is_postgres:
        fail("several API processes need PostgreSQL (set FLASHPANEL_DATABASE_URL); SQLite serves one process")
    # Bound first, so a busy port fails before anything runs; the server process inherits the socket.
    try:
        sock = listen(host, port)
    except OSError as exc:
        fail(cannot_listen(host, port, exc))
    migrate(settings)
    if demo:
        # The demo catalog is sold by the simulators: on for this process only, never in the environment
        # of a later plain `serve` (docs/decisions.md, D25).
        os.environ["FLASHPANEL_SIMULATORS"] = "true"
        get_settings.cache_clear()
        key = seed_demo()
        typer.echo(f"flashpanel is serving on http://{host}:{port}/api/v1  (docs: http://{host}:{port}/docs)")
        typer.echo(f"customer web panel: http://{host}:{port}/  (sign up there, or log in as a customer)")
        typer.echo(f"demo API key: {key}")
        typer.echo(f'try: curl "http://{host}:{port}/api/v1/balance?key={key}"')
    if no_worker:
        os.environ["FLASHPANEL_RUN_WORKER"] = "false"
        get_settings.cache_clear()
    # Replace this process with the lean server process (same PID, none of the CLI's imports).
    argv = [
        sys.executable,
        "-m",
        "flashpanel.server",
        "--host",
        host,
        "--port",
        str(port),
        "--fd",
        str(sock.fileno()),
        "--workers",
        str(workers),
        "--forwarded-allow-ips",
        forwarded_allow_ips,
    ]
    if metrics_port is not None:
        argv += ["--metrics-port", str(metrics_port), "--metrics-host", metrics_host]
    if not access_log:
        argv.append("--no-access-log")
    if proxy_headers:
        argv.append("--proxy-headers")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one pass of every loop and exit")] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus metrics at http://HOST:PORT/metrics")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface for --metrics-port")] = "127.0.0.1",
) -> None:
    """Run the background loops (submission, status sync, expiry) without serving HTTP."""
    from flashpanel.app import build_state
    from flashpanel.worker.runner import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    with database(settings):
        pass  # refuses a missing or unmigrated database in one line
    if metrics_port is not None:
        try:
            serve_metrics(metrics_host, metrics_port)
        except OSError as exc:
            fail(cannot_serve_metrics(metrics_host, metrics_port, exc))

    async def main() -> None:
        state = build_state(settings)
        runner = Worker(state)
        try:
            if once:
                handled = await runner.run_once()
                typer.echo(f"handled {handled} item(s)")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            runner.start()
            await stop.wait()
            await runner.stop()
        finally:
            await state.background.drain()  # numbers being released upstream, as the server's shutdown does
            state.db.close()

    asyncio.run(main())
