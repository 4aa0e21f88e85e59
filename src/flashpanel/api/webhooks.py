"""Payment webhooks: ``POST /payments/paystack/webhook`` and ``POST /payments/flutterwave/webhook``.

The raw body's signature is checked (constant time) before anything is read from it; a bad one is
answered 401 and counted against ``FLASHPANEL_RATE_LIMIT_WEBHOOK`` per client address (past it: 429,
so the Flutterwave secret hash cannot be guessed). A good one is answered 200 whatever it names
(credited, already credited, not ours, still pending), after the one credit path ran: it verifies with
the gateway's API, never trusting the body. Not under the web routers, so no CSRF check applies."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from flashpanel.api.context import app_state
from flashpanel.api.ratelimit import FailureCounter
from flashpanel.metrics import WEBHOOK_BAD_SIGNATURES
from flashpanel.payments.credit import confirm_topup
from flashpanel.payments.gateways import gateways_of
from flashpanel.state import AppState


def _json(body: bytes, status: int, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _bad_signatures(state: AppState) -> FailureCounter:
    return state.webhook_signature_failures


@post("/payments/{gateway:str}/webhook", include_in_schema=False, status_code=200)
async def payment_webhook(request: Request[Any, Any, Any], gateway: FromPath[str]) -> Response[bytes]:
    state = app_state(request)
    gateways = gateways_of(state)
    chosen = gateways.get(gateway)
    if chosen is None:
        return _json(b'{"status":"unknown gateway"}', 404)
    client = request.scope.get("client")
    ip = client[0] if client else "unknown"
    bad_signatures = _bad_signatures(state)
    wait = await bad_signatures.retry_after(ip)
    if wait is not None:
        return _json(b'{"status":"too many bad signatures"}', 429, {"Retry-After": str(wait)})
    raw = await request.body()
    if not chosen.signature_ok(raw_body=raw, headers=request.headers):
        await bad_signatures.record(ip)
        WEBHOOK_BAD_SIGNATURES.labels(gateway).inc()
        return _json(b'{"status":"bad signature"}', 401)
    reference = chosen.webhook_reference(raw)
    if reference is not None:
        await confirm_topup(state.db, gateways, reference=reference, gateway=gateway)
    return _json(b'{"status":"ok"}', 200)


routes = [payment_webhook]
