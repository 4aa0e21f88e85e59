"""The API server process: ``python -m flashpanel.server`` (``flashpanel serve`` execs into it).

Kept separate from the CLI so the serving process never imports what only set-up needs (Typer,
Alembic, SQLAlchemy): it starts lighter and stays lighter.

The ASGI server is granian (docs/decisions.md, D41): on this machine it serves the same app about 40%
faster than uvicorn. Its supervising process holds the listening socket and the metrics listener; it
forks the API process(es) (``--workers``), each running the app's lifespan (start-up, background
loops, shutdown on SIGINT/SIGTERM).

The listening socket is bound before the application starts (``flashpanel serve`` binds it even before
migrating and hands it over with ``--fd``), so a busy port fails in one line before any loop runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
from typing import Any

BACKLOG = 2048
# Read by ``flashpanel.app.create_served_app`` in every API process (set by this process, never by hand).
FORWARDED_ALLOW_IPS_ENV = "FLASHPANEL_SERVE_FORWARDED_ALLOW_IPS"


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, inheritable (by the exec'd server and its API
    processes). Raises :class:`OSError` when the address is busy or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)  # listening now makes a second bind fail at once
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def cannot_listen(host: str, port: int, exc: OSError) -> str:
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve_metrics(host: str, port: int, *, processes: int = 0) -> str | None:
    """Serve Prometheus metrics on ``host:port`` from a daemon thread of this process. When the figures
    are counted by other ``processes`` (the server's API processes, started after this call) they count
    in prometheus-client's multiprocess mode, in a fresh directory that is returned (the caller removes
    it at exit), and this supervising process serves their sum. Raises :class:`OSError` when the port
    is busy."""
    directory: str | None = None
    if processes > 0:
        # Before prometheus-client is imported: it picks its value store once, at import, and the API
        # processes are forked from this one.
        directory = tempfile.mkdtemp(prefix="flashpanel-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    if directory is not None:
        from prometheus_client import multiprocess

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


def die_with_supervisor() -> None:
    """In an API process: be killed when the supervising process dies, even by SIGKILL (Linux), so a
    ``kill -9`` of ``flashpanel serve`` stops the server as it did when one process served, and never
    leaves an orphan holding the port."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the supervisor was already gone before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


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
    """granian's logging plus flashpanel's: everything flashpanel logs, INFO and up, on stderr. The
    access lines do not go through ``logging`` here: the app writes them to stdout in batches
    (``flashpanel.api.access_log.BufferedLines``)."""
    from granian.log import LOGGING_CONFIG

    config: dict[str, Any] = {
        key: dict(value) if isinstance(value, dict) else value for key, value in LOGGING_CONFIG.items()
    }
    config["formatters"]["flashpanel"] = {"format": "%(levelname)s:     %(name)s: %(message)s"}
    config["handlers"]["flashpanel"] = {
        "formatter": "flashpanel",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["flashpanel"] = {"handlers": ["flashpanel"], "level": "INFO", "propagate": False}
    return config


def run(args: argparse.Namespace, sock: socket.socket) -> None:
    from granian._granian import SocketHolder
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server.mp import MPServer

    if args.no_access_log:
        os.environ["FLASHPANEL_ACCESS_LOG"] = "false"  # read by the app factory, in every API process
    if args.proxy_headers:
        os.environ[FORWARDED_ALLOW_IPS_ENV] = args.forwarded_allow_ips
    else:
        os.environ.pop(FORWARDED_ALLOW_IPS_ENV, None)
    fd = sock.fileno()

    class OnInheritedSocket(MPServer):
        """granian, serving on the socket this process already listens on instead of binding its own.
        (granian's own code does the same on platforms where it cannot share a socket by address.)"""

        def _init_shared_socket(self) -> None:
            self._ssp = None
            self._shd = SocketHolder(fd, False, BACKLOG)  # type: ignore[call-arg,assignment]  # (fd, uds, backlog)
            self._sfd = fd  # type: ignore[assignment]
            self._sso = sock

    server = OnInheritedSocket(
        "flashpanel.app:create_served_app",
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        factory=True,
        backlog=BACKLOG,
        log_access=False,  # flashpanel writes its own access lines (flashpanel.api.access_log)
        log_dictconfig=log_config(),
        log_level=LogLevels.info,
        respawn_failed_workers=True,  # an API process that dies is replaced (a crash loop still stops)
    )
    server.serve()


if __name__ == "__main__":
    main()
