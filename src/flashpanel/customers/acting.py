"""Acting for a logged-in customer through the API's own units of work.

Every API service function authenticates its caller by key digest inside its unit of work (D2). A web
order calls those very functions (D46) with the digest of the customer's current key, read here, so that
the panel and the API share one code path per rule and the web adds no second way to place an order."""

from __future__ import annotations

from flashpanel.db.runner import Conn
from flashpanel.errors import InvalidApiKey


def key_digest_of(conn: Conn, *, customer_id: int) -> str:
    """The digest of the active customer's current API key; :class:`InvalidApiKey` for a disabled customer."""
    digest = conn.scalar("SELECT api_key_digest FROM customers WHERE id = ? AND active", (customer_id,))
    if digest is None:
        raise InvalidApiKey()
    return str(digest)
