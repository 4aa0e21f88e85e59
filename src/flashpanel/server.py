"""The API server process: ``python -m flashpanel.server`` (``flashpanel serve`` execs into it).

Kept separate from the CLI so the serving process never imports what only set-up needs (Typer,
Alembic, SQLAlchemy): it starts lighter and stays lighter.

The listening socket is bound before the application starts (``flashpanel serve`` binds it even before
migrating and hands it over with ``--fd``): uvicorn on its own starts the application, and with it the
background loops, before it binds, so a busy port used to fail only after a first pass of every loop.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import os
import shutil
import socket
import sys
import tempfile
from typing import Any

import uvicorn
import uvicorn.config
from uvicorn.supervisors import Multiprocess

STARTUP_FAILURE = 3  # uvicorn's exit code when the application failed to start


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, inheritable (by the exec'd server and uvicorn's worker
    processes). Raises :class:`OSError` when the address is busy or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # uvicorn's default backlog; listening now makes a second bind fail at once
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def cannot_listen(host: str, port: int, exc: OSError) -> str:
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve_metrics(host: str, port: int, *, processes: int = 1) -> str | None:
    """Serve Prometheus metrics on ``host:port`` from a daemon thread of this process. With several
    ``processes`` (uvicorn's workers, started after this call) they count in prometheus-client's
    multiprocess mode, in a fresh directory that is returned (the caller removes it at exit), and this
    supervising process serves their sum. Raises :class:`OSError` when the port is busy."""
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    directory: str | None = None
    if processes > 1:
        from prometheus_client import multiprocess

        directory = tempfile.mkdtemp(prefix="flashpanel-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # read by the worker processes when they start
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return directory


def cannot_serve_metrics(host: str, port: int, exc: OSError) -> str:
    return f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="flashpanel-server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fd", type=int, help="an already listening socket on --host:--port (from `serve`)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--proxy-headers", action="store_true")
    parser.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    parser.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on this port")
    parser.add_argument("--metrics-host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        try:
            sock = listen(args.host, args.port)
        except OSError as exc:
            print(f"error: {cannot_listen(args.host, args.port, exc)}", file=sys.stderr)
            sys.exit(1)
    metrics_directory: str | None = None
    if args.metrics_port is not None:
        try:
            metrics_directory = serve_metrics(args.metrics_host, args.metrics_port, processes=args.workers)
        except OSError as exc:
            print(f"error: {cannot_serve_metrics(args.metrics_host, args.metrics_port, exc)}", file=sys.stderr)
            sys.exit(1)
    try:
        run(args, sock)
    finally:
        if metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)


def log_config() -> dict[str, Any]:
    """uvicorn's logging plus flashpanel's: its access lines on stdout (where uvicorn wrote its own),
    everything else flashpanel logs, INFO and up, on stderr."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["flashpanel"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
    }
    # A plain formatter: uvicorn's copies every record to colour its level, a third of a line's cost.
    config["formatters"]["flashpanel.access"] = {"format": "%(levelname)s:     %(message)s"}
    config["handlers"]["flashpanel.access"] = {
        "formatter": "flashpanel.access",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["handlers"]["flashpanel"] = {
        "formatter": "flashpanel",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["flashpanel"] = {"handlers": ["flashpanel"], "level": "INFO", "propagate": False}
    config["loggers"]["flashpanel.access"] = {"handlers": ["flashpanel.access"], "level": "INFO", "propagate": False}
    return config


def run(args: argparse.Namespace, sock: socket.socket) -> None:
    if args.no_access_log:
        os.environ["FLASHPANEL_ACCESS_LOG"] = "false"  # read by the app factory, in every worker process
    config = uvicorn.Config(
        "flashpanel.app:create_served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # flashpanel writes its own access lines (flashpanel.api.access_log)
        log_config=log_config(),
        log_level="info",
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    # uvicorn announces the address only when it binds the socket itself
    where = f"[{args.host}]" if ":" in args.host else args.host
    logging.getLogger("uvicorn.error").info("listening on http://%s:%d (Press CTRL+C to quit)", where, args.port)
    if args.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
        return
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a foreground server is stopped
        server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
