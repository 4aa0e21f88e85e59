"""Request metrics: counted per endpoint class in plain integers, moved into prometheus in batches."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from flashpanel.api.request_metrics import (
    LATENCY,
    LATENCY_BUCKETS,
    REQUESTS,
    SERVER_ERRORS,
    RequestStats,
    endpoint_class,
)
from flashpanel.app import create_app


def _value(counter: object, endpoint: str) -> float:
    return float(counter.labels(endpoint)._value.get())  # type: ignore[attr-defined]


def test_endpoint_classes_are_the_api_routes_and_a_few_fixed_names() -> None:
    api = frozenset({"/api/v1/balance", "/api/v2"})
    assert endpoint_class("/api/v1/balance", api) == "/api/v1/balance"
    assert endpoint_class("/api/v1/anything-else", api) == "api-other"
    assert endpoint_class("/static/app.css", api) == "static"
    assert endpoint_class("/docs/openapi.json", api) == "docs"
    assert endpoint_class("/wallet", api) == "web"


def test_a_batch_of_requests_reaches_the_metrics_as_if_each_had_been_observed() -> None:
    endpoint = "/api/v1/test-batch"
    stats = RequestStats(frozenset({endpoint}))
    durations = [0.0004, 0.001, 0.003, 0.02, 0.7, 30.0]
    statuses = [200, 200, 401, 500, 503, 0]
    requests_before, errors_before = _value(REQUESTS, endpoint), _value(SERVER_ERRORS, endpoint)
    for status, seconds in zip(statuses, durations, strict=True):
        stats.record(endpoint, status, seconds)  # no event loop here: flushed at once
    stats.flush()
    assert _value(REQUESTS, endpoint) - requests_before == 6
    assert _value(SERVER_ERRORS, endpoint) - errors_before == 3  # 500, 503 and a failure before any answer

    reference_registry = CollectorRegistry()
    reference = Histogram("ref", "ref", buckets=LATENCY_BUCKETS, registry=reference_registry)
    for seconds in durations:
        reference.observe(seconds)
    exposed = [line for line in generate_latest().decode().splitlines() if f'endpoint="{endpoint}"' in line]
    expected = [line for line in generate_latest(reference_registry).decode().splitlines() if line.startswith("ref_")]
    ours = [line.replace(f'endpoint="{endpoint}",', "").replace(f'{{endpoint="{endpoint}"}}', "") for line in exposed]
    ours = [line.replace("flashpanel_http_request_duration_seconds", "ref") for line in ours if "duration" in line]
    ours = [line for line in ours if "_created" not in line]
    assert sorted(ours) == sorted(line for line in expected if "_created" not in line)
    assert LATENCY.labels(endpoint)._sum.get() == sum(durations)


def test_the_served_app_knows_its_api_paths() -> None:
    from flashpanel.api.request_metrics import api_paths_of

    paths = api_paths_of(create_app(run_worker=False))
    assert {"/api/v1/balance", "/api/v1/smm/order", "/api/v2"} <= paths
    assert not [p for p in paths if not p.startswith("/api/")]
