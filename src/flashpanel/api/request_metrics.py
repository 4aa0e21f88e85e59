"""Request metrics for the metrics listener: requests and 5xx answers per endpoint class, and a latency
histogram, counted cheaply.

prometheus-client costs 5-6 µs per request for a counter and a histogram observation in one process,
and about three times that in multiprocess mode (``serve --metrics-port``: every value is a write to a
shared file), against ~50 µs for a whole ``GET /balance``. So each request only adds to plain integers
here, and the totals move into the prometheus metrics in one step at most :data:`FLUSH_SECONDS` later
(and when the server stops): a scrape may lag by that much, and no request pays for it.

An endpoint class is the route's path for the API (``/api/v1/balance``, ``/api/v2``), else ``web``,
``static``, ``docs`` or ``other``: a bounded set, whatever paths clients send.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Any

from prometheus_client import Counter, Histogram

FLUSH_SECONDS = 1.0
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("flashpanel_http_requests_total", "HTTP requests answered, by endpoint class", ["endpoint"])
SERVER_ERRORS = Counter("flashpanel_http_server_errors_total", "HTTP 5xx answers, by endpoint class", ["endpoint"])
LATENCY = Histogram(
    "flashpanel_http_request_duration_seconds",
    "Time from request to the end of the response, by endpoint class",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)


def endpoint_class(path: str, api_paths: frozenset[str]) -> str:
    if path in api_paths:
        return path
    if path.startswith("/api/"):
        return "api-other"  # unknown API paths (404s) share one class
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/docs"):
        return "docs"
    return "web" if path.startswith("/") else "other"


class _Tally:
    """One endpoint class's counts since the last flush; ``buckets[i]``: requests in bucket ``i`` only
    (the last one past every bound)."""

    __slots__ = ("buckets", "errors", "requests", "seconds")

    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0
        self.seconds = 0.0
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)


class RequestStats:
    """Per-process request counts, moved into the prometheus metrics by :meth:`flush`."""

    __slots__ = ("_classes", "_scheduled", "_tallies", "api_paths")

    def __init__(self, api_paths: frozenset[str]) -> None:
        self.api_paths = api_paths
        self._classes: dict[str, str] = {}  # path -> class, for the API's paths and the others seen
        self._tallies: dict[str, _Tally] = {}
        self._scheduled = False

    def record(self, path: str, status: int, seconds: float) -> None:
        endpoint = self._classes.get(path)
        if endpoint is None:
            endpoint = endpoint_class(path, self.api_paths)
            if len(self._classes) < 4096:  # paths the clients choose: remember a bounded number of them
                self._classes[path] = endpoint
        tally = self._tallies.get(endpoint)
        if tally is None:
            tally = self._tallies[endpoint] = _Tally()
        tally.requests += 1
        if status >= 500 or status == 0:  # 0: the app failed before answering; the server says 500
            tally.errors += 1
        tally.seconds += seconds
        tally.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        if not self._scheduled:
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no event loop: count at once
                self.flush()
                return
            self._scheduled = True

    def flush(self) -> None:
        self._scheduled = False
        tallies, self._tallies = self._tallies, {}
        for endpoint, tally in tallies.items():
            REQUESTS.labels(endpoint).inc(tally.requests)
            if tally.errors:
                SERVER_ERRORS.labels(endpoint).inc(tally.errors)
            _add_to_histogram(LATENCY.labels(endpoint), tally)


def _add_to_histogram(histogram: Any, tally: _Tally) -> None:
    """Add a batch of observations to a histogram child: prometheus-client keeps one value per bucket
    (not cumulative) and the sum, and ``observe`` adds one to them; this adds the batch's counts in one
    step each. (tests/api/test_request_metrics.py checks the exposed histogram against ``observe``.)"""
    histogram._sum.inc(tally.seconds)
    for index, count in enumerate(tally.buckets):
        if count:
            histogram._buckets[index].inc(count)


def api_paths_of(app: Any) -> frozenset[str]:
    """The paths of the app's API routes (``/api/...``) without path parameters."""
    return frozenset(
        route.path for route in getattr(app, "routes", ()) if route.path.startswith("/api/") and "{" not in route.path
    )
