"""The web pages' stand-in for an API call: runs the API's units of work for the logged-in customer.

``CustomerCall`` has what ``api.context.ApiCall`` gives a service function (``state``, ``read``,
``write``, ``key_digest``) without the API's rate limits: web orders are not counted against the key
(issue 15), and the session already says who the caller is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from litestar import Request

from flashpanel.api.context import app_state
from flashpanel.customers.accounts import profile
from flashpanel.customers.acting import key_digest_of
from flashpanel.db.runner import Conn
from flashpanel.errors import FlashpanelError, InvalidApiKey
from flashpanel.state import AppState
from flashpanel.web.auth import VIEWER, Viewer

P = ParamSpec("P")
T = TypeVar("T")


class KeyChangedMeanwhile(FlashpanelError):
    """The customer's key was regenerated (or the account disabled) while the order was on its way."""

    status_code = 409
    message = "Your account changed while this was sent; nothing was ordered. Try again."


@dataclass(slots=True)
class CustomerCall:
    state: AppState
    customer_id: int
    key_digest: str

    async def read(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await self.state.db.read(fn, *args, **kwargs)
        except InvalidApiKey:
            raise KeyChangedMeanwhile() from None

    async def write(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await self.state.db.write(fn, *args, **kwargs)
        except InvalidApiKey:
            raise KeyChangedMeanwhile() from None


async def acting_for(request: Request[Any, Any, Any], viewer: Viewer) -> CustomerCall:
    state = app_state(request)
    digest = await state.db.lookup(key_digest_of, customer_id=viewer.customer.id)
    return CustomerCall(state=state, customer_id=viewer.customer.id, key_digest=digest)


async def refreshed_viewer(request: Request[Any, Any, Any], viewer: Viewer) -> Viewer:
    """The viewer read again (after money moved, for a page rendered in place): the header's balance is current."""
    customer = await app_state(request).db.read(profile, customer_id=viewer.customer.id)
    fresh = Viewer(session=viewer.session, customer=customer)
    request.scope.setdefault("state", {})[VIEWER] = fresh
    return fresh
