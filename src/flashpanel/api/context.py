"""What every authenticated endpoint does before its service call: key, rate limit, parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from litestar import Request

from flashpanel.api.params import Params, read_params
from flashpanel.api.ratelimit import RateClass, retry_after
from flashpanel.api.responses import remember_rate_headers
from flashpanel.customers.keys import key_digest
from flashpanel.db.runner import Conn
from flashpanel.errors import InvalidApiKey, RateLimited
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
    key = params.get("key") or request.headers.get("x-api-key")
    if not key:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            key = token.strip()
    return key if isinstance(key, str) and key else None


@dataclass(slots=True)
class ApiCall:
    """An authenticated request in progress. Units of work run through it receive ``key_digest``
    and authenticate inside their own transaction (no extra database round trip)."""

    request: Request[Any, Any, Any]
    state: AppState
    params: Params
    key_digest: str

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
            await self._failed_authentication()
            raise

    async def _failed_authentication(self) -> None:
        remember_rate_headers(self.request, None)
        await self.state.limits.record_auth_failure(_client_ip(self.request))


async def begin(request: Request[Any, Any, Any], rate_class: RateClass) -> ApiCall:
    """Read the parameters and the key, and count the request against the key's rate limit.

    Raises 401 when no key is given, 429 when the key (or, for repeated bad keys, the client
    address) is over its budget. Whether the key exists is checked by the unit of work itself."""
    state = app_state(request)
    await state.limits.check_auth_failures(_client_ip(request))
    params = await read_params(request)
    key = _api_key(request, params)
    if key is None:
        await state.limits.record_auth_failure(_client_ip(request))
        raise InvalidApiKey()
    digest = key_digest(key)
    allowed, headers = await state.limits.hit(rate_class, digest)
    remember_rate_headers(request, headers)
    if not allowed:
        raise RateLimited("Rate limit exceeded, retry later", retry_after=retry_after(headers.reset))
    return ApiCall(request=request, state=state, params=params, key_digest=digest)
