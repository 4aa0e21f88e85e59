"""Input that no page can store, refused at the edge of the customer panel and of the back office alike (D76,
D77): one ``before_request`` hook for the NUL character and path ids past 64 bits, and the bounded integer
types a form or a query decodes into. A new page on either router is covered without a check of its own."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.params import Parameter

from flashpanel.bounds import INT64_MAX, INT64_MIN, INTEGER, within
from flashpanel.errors import BadRequest, NotFound

# An integer field (an id, a balance in cents): past 64 bits it fits no database column, so decoding refuses it.
Int64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]
# The same bound for an integer in a page's query (``?before=``): a value past it is a 400, not a database error.
QueryInt = Annotated[int | None, Parameter(ge=INT64_MIN, le=INT64_MAX)]

NUL_REFUSED = "A field holds a NUL character, which no text here may contain. Check what was pasted."
NO_PAGE = "There is no page at this address."


async def refuse_unstorable_input(request: Request[Any, Any, Any]) -> None:
    """Before any page runs: input that no page can take, refused in one place. An id in the path past
    64 bits names nothing (404, as an unknown id; the database's integers stop there, and SQLite raises
    past them). A NUL character in the path, the query or a url-encoded form is refused (400): PostgreSQL's
    text cannot hold one, and no field means one."""
    path_params = request.path_params.values()
    if any(isinstance(v, int) and not within(v, INTEGER) for v in path_params):
        raise NotFound(NO_PAGE)
    texts = [v for v in path_params if isinstance(v, str)]
    texts += [v for _, v in request.query_params.multi_items()]
    if request.content_type[0] == "application/x-www-form-urlencoded":
        texts += [v for _, v in (await request.form()).multi_items() if isinstance(v, str)]
    if any("\x00" in text for text in texts):
        raise BadRequest(NUL_REFUSED)
