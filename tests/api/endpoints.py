"""Every endpoint of /api/v1 and every action of /api/v2, with the parameters it reads: what the hostile-input
tests and the fuzz test send their values to.

Each integer parameter records what a value beyond signed 64 bits is answered with: a 400 naming the
parameter, or the endpoint's own answer for an id that names nothing (docs/api.md: "not found")."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.accounts import stock
from flashpanel.config import Settings
from flashpanel.crypto import SecretBox
from flashpanel.db.runner import Conn
from flashpanel.otp import catalog as otp_catalog
from flashpanel.smm import catalog as smm_catalog

INT64_MAX = 2**63 - 1
LINK = "https://example.com/profile"


@dataclass(frozen=True)
class Shop:
    """One thing of each kind to point valid parameters at."""

    smm_service: int
    country: int
    otp_service: int
    category: int
    product: int


def open_shop(conn: Conn, *, secrets: SecretBox) -> Shop:
    smm_service = smm_catalog.add_service(
        conn,
        spec=smm_catalog.ServiceInput(
            name="Fuzz Followers", category="Fuzz", rate=Decimal("500"), min_quantity=100, max_quantity=10000,
            refill=True, cancel=True, dripfeed=True,
        ),
    )  # fmt: skip
    country = otp_catalog.add_country(conn, name="Fuzzland", code="FZ")
    otp_service = otp_catalog.add_service(conn, country="FZ", name="Chat", code="chat", price=Decimal("100"))
    category = accounts_catalog.add_category(conn, name="Fuzz accounts", icon="play")
    product = accounts_catalog.add_product(
        conn, category_id=category, name="Fuzz product", price_cents=10000, min_quantity=1, max_quantity=10
    )
    stock.add_stock(conn, product_id=product, lines=["user@example.com:secret"], secrets=secrets)
    return Shop(smm_service, country, otp_service, category, product)


@dataclass(frozen=True)
class Endpoint:
    """One v1 endpoint (``method``, ``path``) or one v2 action (``path`` is "/api/v2", ``action`` set)."""

    method: str
    path: str
    # integer parameter -> (status, message part) answered for a value beyond signed 64 bits
    integers: dict[str, tuple[int, str]] = field(default_factory=dict)
    texts: tuple[str, ...] = ()
    action: str | None = None

    @property
    def name(self) -> str:
        if self.action:
            return f"v2 {self.action}({', '.join(self.parameters)})"
        return f"{self.method} {self.path.removeprefix('/api/v1')}"

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*self.integers, *self.texts)

    def valid(self, shop: Shop) -> dict[str, object]:
        """Parameters that make a well-formed request (the action included, for v2)."""
        values: dict[str, object] = {
            "service": shop.otp_service if self.path.startswith("/api/v1/otp") else shop.smm_service,
            "link": LINK,
            "quantity": 1 if "accounts" in self.path else 100,
            "order": 1,
            "orders": "1,2",
            "refill": 1,
            "refills": "1",
            "page": 1,
            "limit": 20,
            "country": shop.country,
            "category": shop.category,
            "product": shop.product,
            "request_id": "0" * 32,
            "runs": 2,
            "interval": 5,
        }
        chosen = {name: values[name] for name in self.parameters}
        if self.action:
            chosen["action"] = self.action
        return chosen


BAD = (400, "Invalid parameter '{name}'")  # formatted with the parameter's name

V1: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/balance"),
    Endpoint("GET", "/api/v1/smm/services"),
    Endpoint("POST", "/api/v1/smm/order", {"service": BAD, "quantity": BAD}, ("link",)),
    Endpoint("GET", "/api/v1/smm/status", {"order": (404, "Order not found")}),
    Endpoint("GET", "/api/v1/smm/orders", {"page": BAD, "limit": BAD}),
    Endpoint("GET", "/api/v1/otp/countries"),
    Endpoint("GET", "/api/v1/otp/services", {"country": (404, "Country not found")}),
    Endpoint("POST", "/api/v1/otp/purchase", {"country": (422, "Unknown service for this country"), "service": BAD}),
    Endpoint("GET", "/api/v1/otp/check", texts=("request_id",)),
    Endpoint("POST", "/api/v1/otp/cancel", texts=("request_id",)),
    Endpoint("GET", "/api/v1/otp/orders", {"page": BAD, "limit": BAD}),
    Endpoint("GET", "/api/v1/accounts/categories"),
    Endpoint("GET", "/api/v1/accounts/products", {"category": (404, "Category not found")}),
    Endpoint("POST", "/api/v1/accounts/purchase", {"product": (422, "Product not found or disabled"), "quantity": BAD}),
    Endpoint("GET", "/api/v1/accounts/orders", {"page": BAD, "limit": BAD}),
    Endpoint("GET", "/api/v1/accounts/order", {"order": (404, "Order not found")}),
)

V2_BAD = (200, "Invalid parameter '{name}'")
V2: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v2", action="services"),
    Endpoint(
        "POST",
        "/api/v2",
        {"service": V2_BAD, "quantity": V2_BAD, "runs": V2_BAD, "interval": V2_BAD},
        ("link",),
        action="add",
    ),
    Endpoint("POST", "/api/v2", {"order": (200, "Incorrect order ID")}, action="status"),
    Endpoint("POST", "/api/v2", texts=("orders",), action="status"),
    Endpoint("POST", "/api/v2", {"order": (200, "Incorrect order ID")}, action="refill"),
    Endpoint("POST", "/api/v2", texts=("orders",), action="refill"),
    Endpoint("POST", "/api/v2", {"refill": (200, "Refill not found")}, action="refill_status"),
    Endpoint("POST", "/api/v2", texts=("refills",), action="refill_status"),
    Endpoint("POST", "/api/v2", texts=("orders",), action="cancel"),
    Endpoint("POST", "/api/v2", action="balance"),
)

# Integers as a client may type them that are not integers flashpanel accepts.
MALFORMED_INTEGERS = ("--5", "+-5", "1e309", "1e3", "5.0", "0x10", "1_000", "\uff15", "5-")  # \uff15: a fullwidth 5
# Integers past signed 64 bits, as text (a JSON number of the same digits is sent raw).
BEYOND_64_BITS = (str(INT64_MAX + 1), str(-INT64_MAX - 2), "9" * 30, "9" * 5000)


def roomy(settings: Settings) -> Settings:
    """Settings whose per-key budgets do not run out during a test that sends many requests with one key."""
    limit = "100000/minute"
    return settings.model_copy(
        update={
            "rate_limit_balance": limit,
            "rate_limit_list": limit,
            "rate_limit_orders": limit,
            "rate_limit_status": limit,
        }
    )
