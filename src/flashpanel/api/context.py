"""What every authenticated endpoint does before its service call: key, rate limit, typed parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from litestar import Request

from flashpanel.api.decode import S, decode, text_of
from flashpanel.api.params import Params, read_params
from flashpanel.api.ratelimit import RateClass, retry_after
from flashpanel.api.responses import remember_rate_headers
from flashpanel.customers.keys import key_digest
from flashpanel.customers.service import authenticate
from flashpanel.db.runner import Conn
from flashpanel.errors import BadRequest, FlashpanelError, InvalidApiKey, RateLimited
from flashpanel.state import AppState

P = ParamSpec("P")
T = TypeVar("T")


def app_state(request: Request[Any, Any, Any]) -> AppState:
    state: AppState = request.app.state.fp
    return state


def _client_ip(request: Request[Any, Any, Any]) -> str:
    client = request.scope.get("client")
    return client[0] if client else "unknown"


def _api_key(request: Request[Any, Any, Any], params: Params) -> str | None:
    key = text_of(params, "key") or request.headers.get("x-api-key")
    if not key:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            key = token.strip()
    return key or None


@dataclass(slots=True)
class Arrival:
    """A request's parameters as read, or, when its body could not be read, the query string and why."""

    params: Params
    body_error: FlashpanelError | None = None


async def arrive(request: Request[Any, Any, Any]) -> Arrival:
    try:
        return Arrival(await read_params(request, max_body_bytes=app_state(request).settings.max_body_bytes))
    except FlashpanelError as exc:
        return Arrival(dict(request.query_params), exc)


@dataclass(slots=True)
class ApiCall(Generic[S]):
    """An authenticated request in progress, with its decoded parameters (``args``). Units of work run
    through it receive ``key_digest`` and authenticate inside their own transaction (no extra round trip)."""

    request: Request[Any, Any, Any]
    state: AppState
    params: Params
    key_digest: str
    args: S

    async def read(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._authenticated(self.state.db.read(fn, *args, **kwargs))

    async def lookup(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._authenticated(self.state.db.lookup(fn, *args, **kwargs))

    async def write(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._authenticated(self.state.db.write(fn, *args, **kwargs))

    async def _authenticated(self, unit: Awaitable[T]) -> T:
        """The unit's result; a key the unit did not recognise also counts as a failure for this address."""
        try:
            return await unit
        except InvalidApiKey:
            remember_rate_headers(self.request, None)
            await self.state.limits.record_auth_failure(_client_ip(self.request))
            raise


async def begin(
    request: Request[Any, Any, Any],
    rate_class: RateClass,
    schema: type[S],
    *,
    arrival: Arrival | None = None,
    lenient_ids: bool = False,
) -> ApiCall[S]:
    """Read the key and the parameters, count the request against the key's rate limit, and decode the
    parameters into ``schema`` (see api/decode.py).

    Raises 401 when no key is given, 429 when the key (or, for repeated bad keys, the client address)
    is over its budget. Whether the key exists is checked by the unit of work itself, except when the
    request is refused here: a body that cannot be read is refused (400 or 413) whatever the key, and
    counted against the key when it is a customer's, else against the address; parameters that do not
    decode are refused with 400 after the key is checked (401 first, as every endpoint answers)."""
    state = app_state(request)
    ip = _client_ip(request)
    await state.limits.check_auth_failures(ip)
    arrival = arrival or await arrive(request)
    key = _api_key(request, arrival.params)
    if key is None:
        await state.limits.record_auth_failure(ip)
        raise arrival.body_error or InvalidApiKey()
    digest = key_digest(key)
    allowed, headers = await state.limits.hit(rate_class, digest)
    remember_rate_headers(request, headers)
    if not allowed:
        raise RateLimited("Rate limit exceeded, retry later", retry_after=retry_after(headers.reset))
    if arrival.body_error is not None:
        await _check_key(request, state, digest, refusal=arrival.body_error)
    try:
        args = decode(arrival.params, schema, lenient_ids=lenient_ids)
    except BadRequest:
        await _check_key(request, state, digest)
        raise
    return ApiCall(request=request, state=state, params=arrival.params, key_digest=digest, args=args)


async def _check_key(
    request: Request[Any, Any, Any], state: AppState, digest: str, *, refusal: FlashpanelError | None = None
) -> None:
    """Authenticate ahead of a refusal. An unknown key is counted against the address and loses the rate-limit
    headers; it raises 401 unless ``refusal`` is given, which is then raised whoever the key belongs to."""
    try:
        await state.db.lookup(authenticate, key_digest=digest)
    except InvalidApiKey:
        remember_rate_headers(request, None)
        await state.limits.record_auth_failure(_client_ip(request))
        if refusal is None:
            raise
    if refusal is not None:
        raise refusal
