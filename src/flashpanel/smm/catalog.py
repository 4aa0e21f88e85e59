"""The operator's SMM catalog: add, update, disable and bulk-import services."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flashpanel.db.like import contains
from flashpanel.db.runner import Conn, Row, now
from flashpanel.errors import NotFound, RuleViolation
from flashpanel.providers.sale import provider_id_named
from flashpanel.wallet.money import InvalidAmount, parse_amount, to_cents

FIELDS = (
    "id", "name", "category", "type", "rate", "min", "max", "description", "provider", "upstream_service",
    "refill", "cancel", "dripfeed",
)  # fmt: skip
FLAGS = ("refill", "cancel", "dripfeed")  # what the service allows its customers (API v2 shows them)
MAX_QUANTITY = 2**31 - 1  # the quantity columns are 32-bit integers
TEXT_LIMITS = {"name": 200, "category": 100, "type": 50}  # the columns' lengths (PostgreSQL enforces them)
UPSTREAM_SERVICE_LIMIT = 64


@dataclass(frozen=True, slots=True)
class ServiceInput:
    """One service as the operator describes it (rate per 1000 in the panel currency). ``provider`` is a
    provider's name (``simulator``: the built-in one); without it the service is never sold."""

    name: str
    category: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    type: str = "Default"
    description: str = ""
    provider: str | None = None
    upstream_service: str | None = None
    refill: bool = False
    cancel: bool = False
    dripfeed: bool = False


def _check(spec: ServiceInput) -> None:
    if not spec.name.strip():
        raise RuleViolation("name must not be empty")
    if not spec.category.strip():
        raise RuleViolation("category must not be empty")
    if spec.rate <= 0:  # a service at 0 gives away what its provider charges (D73)
        raise RuleViolation("rate must be more than 0")
    if spec.min_quantity < 1:
        raise RuleViolation("min must be at least 1")
    if spec.max_quantity < spec.min_quantity:
        raise RuleViolation("max must not be below min")
    if spec.max_quantity > MAX_QUANTITY:
        raise RuleViolation(f"max must be at most {MAX_QUANTITY}")
    for field, limit in TEXT_LIMITS.items():
        if len(getattr(spec, field).strip()) > limit:
            raise RuleViolation(f"{field} must be at most {limit} characters")
    if spec.upstream_service is not None and len(spec.upstream_service) > UPSTREAM_SERVICE_LIMIT:
        raise RuleViolation(f"the provider's service id must be at most {UPSTREAM_SERVICE_LIMIT} characters")


def _provider_id(conn: Conn, name: str | None) -> int | None:
    return provider_id_named(conn, name) if name and name.strip() else None


def _refuse_a_duplicate(conn: Conn, spec: ServiceInput, *, other_than: int = 0) -> None:
    """A name is used once per category (D73): the identity a catalog file's rows are matched by."""
    taken = conn.scalar(
        "SELECT id FROM smm_services WHERE name = ? AND category = ? AND id <> ?",
        (spec.name.strip(), spec.category.strip(), other_than),
    )
    if taken is not None:
        raise RuleViolation(f"service {taken} is already named {spec.name.strip()!r} in {spec.category.strip()!r}")


def add_service(conn: Conn, *, spec: ServiceInput, active: bool = True) -> int:
    """Create a service (active unless told otherwise); returns its id. It is on sale only once it has a
    provider. Refused: a bad spec (see ``_check``), a name already used in the category, an unknown provider."""
    _check(spec)
    _refuse_a_duplicate(conn, spec)
    service_id = conn.scalar(
        "INSERT INTO smm_services (name, category, type, rate_cents, min_quantity, max_quantity, description, "
        "active, provider_id, upstream_service, refill, cancel, dripfeed, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            spec.name.strip(),
            spec.category.strip(),
            spec.type.strip() or "Default",
            to_cents(spec.rate),
            spec.min_quantity,
            spec.max_quantity,
            spec.description,
            active,
            _provider_id(conn, spec.provider),
            spec.upstream_service,
            spec.refill,
            spec.cancel,
            spec.dripfeed,
            now(),
        ),
    )
    return int(service_id)


def get_service(conn: Conn, *, service_id: int) -> Row:
    row = conn.one("SELECT * FROM smm_services WHERE id = ?", (service_id,))
    if row is None:
        raise NotFound(f"No SMM service {service_id}")
    return row


def update_service(conn: Conn, *, service_id: int, changes: dict[str, Any]) -> None:
    """Change some fields of a service. ``changes`` uses :class:`ServiceInput`'s field names, plus
    ``active``; fields not given keep their value. Existing orders keep the price they were charged."""
    current = get_service(conn, service_id=service_id)
    provider_name = None
    if current["provider_id"] is not None:
        provider_name = conn.scalar("SELECT name FROM providers WHERE id = ?", (current["provider_id"],))
    values: dict[str, Any] = {
        "name": current["name"],
        "category": current["category"],
        "rate": Decimal(int(current["rate_cents"])) / 100,
        "min_quantity": int(current["min_quantity"]),
        "max_quantity": int(current["max_quantity"]),
        "type": current["type"],
        "description": current["description"],
        "provider": provider_name,
        "upstream_service": current["upstream_service"],
        **{flag: bool(current[flag]) for flag in FLAGS},
    }
    values.update({k: v for k, v in changes.items() if k in values})
    merged = ServiceInput(**values)
    _check(merged)
    if (merged.name.strip(), merged.category.strip()) != (current["name"], current["category"]):
        _refuse_a_duplicate(conn, merged, other_than=service_id)
    conn.execute(
        "UPDATE smm_services SET name = ?, category = ?, type = ?, rate_cents = ?, min_quantity = ?, "
        "max_quantity = ?, description = ?, provider_id = ?, upstream_service = ?, refill = ?, cancel = ?, "
        "dripfeed = ?, active = ? WHERE id = ?",
        (
            merged.name.strip(),
            merged.category.strip(),
            merged.type.strip() or "Default",
            to_cents(merged.rate),
            merged.min_quantity,
            merged.max_quantity,
            merged.description,
            _provider_id(conn, merged.provider),
            merged.upstream_service,
            merged.refill,
            merged.cancel,
            merged.dripfeed,
            bool(changes.get("active", current["active"])),
            service_id,
        ),
    )


def describe_service(conn: Conn, *, service_id: int) -> dict[str, Any]:
    """What an operator can change of a service, as they name it (provider by name, rate in cents)."""
    row = get_service(conn, service_id=service_id)
    provider = None
    if row["provider_id"] is not None:
        provider = conn.scalar("SELECT name FROM providers WHERE id = ?", (row["provider_id"],))
    return {
        "name": row["name"],
        "category": row["category"],
        "type": row["type"],
        "provider": provider,
        "upstream_service": row["upstream_service"],
        "rate_cents": int(row["rate_cents"]),
        "min_quantity": int(row["min_quantity"]),
        "max_quantity": int(row["max_quantity"]),
        **{flag: bool(row[flag]) for flag in FLAGS},
        "active": bool(row["active"]),
    }


def set_active(conn: Conn, *, service_id: int, active: bool) -> None:
    get_service(conn, service_id=service_id)
    conn.execute("UPDATE smm_services SET active = ? WHERE id = ?", (active, service_id))


_LISTED = "FROM smm_services s LEFT JOIN providers p ON p.id = s.provider_id"
_FOUND = (
    " WHERE lower(s.name) LIKE ? ESCAPE '\\' OR lower(s.category) LIKE ? ESCAPE '\\' "
    "OR lower(p.name) LIKE ? ESCAPE '\\'"
)


def _found(search: str) -> tuple[str, tuple[str, ...]]:
    return (_FOUND, (contains(search),) * 3) if search.strip() else ("", ())


def all_services(conn: Conn, *, search: str = "", limit: int | None = None) -> list[Row]:
    """Services by category, with their provider's name under ``provider`` (None: no provider, never sold);
    with ``search``, those whose name, category or provider contains it (any case); at most ``limit``."""
    where, params = _found(search)
    cap = "" if limit is None else f" LIMIT {int(limit)}"
    return conn.all(f"SELECT s.*, p.name AS provider {_LISTED}{where} ORDER BY s.category, s.id{cap}", params)


def count_services(conn: Conn, *, search: str = "") -> int:
    """How many services :func:`all_services` would list without a limit."""
    where, params = _found(search)
    return int(conn.scalar(f"SELECT COUNT(*) {_LISTED}{where}", params))


# -- import -----------------------------------------------------------------------------------------
def parse_catalog(text: str, *, fmt: str) -> list[dict[str, Any]]:
    """Rows of a CSV file (with a header line) or a JSON array of objects, as dicts."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RuleViolation(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise RuleViolation("a JSON catalog must be an array of objects")
        return data
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise RuleViolation("the CSV file is empty")
    unknown = [name for name in reader.fieldnames if name.strip() not in FIELDS]
    if unknown:
        raise RuleViolation(f"unknown CSV column(s): {', '.join(unknown)}; expected some of {', '.join(FIELDS)}")
    return [{k.strip(): v for k, v in row.items() if v not in (None, "")} for row in reader]


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleViolation(f"{name} must be an integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise RuleViolation(f"{name} must be an integer, got {value!r}") from None


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    raise RuleViolation(f"{name} must be true or false, got {value!r}")


def _rate(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RuleViolation(f"rate must be a number like 500 or 499.50 (text or an integer), got {value!r}")
    try:
        return parse_amount(value)
    except InvalidAmount as exc:
        raise RuleViolation(f"rate {exc}") from None


def _import_row(conn: Conn, item: dict[str, Any]) -> bool:
    """Create or update one service; True when it was created."""
    text = {k: str(v).strip() for k, v in item.items() if k in ("name", "category", "type", "description")}
    existing: Row | None = None
    if item.get("id") not in (None, ""):
        existing = get_service(conn, service_id=_integer(item["id"], "id"))
    elif text.get("name") and text.get("category"):
        existing = conn.one(
            "SELECT * FROM smm_services WHERE name = ? AND category = ?", (text["name"], text["category"])
        )
    changes: dict[str, Any] = dict(text)
    if "rate" in item:
        changes["rate"] = _rate(item["rate"])
    if "min" in item:
        changes["min_quantity"] = _integer(item["min"], "min")
    if "max" in item:
        changes["max_quantity"] = _integer(item["max"], "max")
    for key in ("provider", "upstream_service"):
        if item.get(key) not in (None, ""):
            changes[key] = str(item[key]).strip()
    for flag in FLAGS:
        if item.get(flag) not in (None, ""):
            changes[flag] = _flag(item[flag], flag)
    if existing is not None:
        update_service(conn, service_id=int(existing["id"]), changes=changes)
        return False
    missing = [f for f in ("name", "category", "rate", "min", "max") if item.get(f) in (None, "")]
    if missing:
        raise RuleViolation(f"missing {', '.join(missing)}")
    add_service(
        conn,
        spec=ServiceInput(
            name=changes["name"],
            category=changes["category"],
            rate=changes["rate"],
            min_quantity=changes["min_quantity"],
            max_quantity=changes["max_quantity"],
            type=changes.get("type", "Default"),
            description=changes.get("description", ""),
            provider=changes.get("provider"),
            upstream_service=changes.get("upstream_service"),
            **{flag: changes.get(flag, False) for flag in FLAGS},
        ),
    )
    return True


def import_services(conn: Conn, *, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Create or update services from rows, all or nothing: returns (created, updated).

    A row with an ``id`` updates that service; otherwise a service with the same name and category is
    updated, or a new one created. An error names the row (1-based) and rolls the whole import back."""
    created = updated = 0
    for number, item in enumerate(rows, start=1):
        try:
            if _import_row(conn, item):
                created += 1
            else:
                updated += 1
        except (RuleViolation, NotFound) as exc:
            raise RuleViolation(f"row {number}: {exc.message}") from None
    return created, updated


def parse_catalog_and_import(conn: Conn, *, text: str, fmt: str) -> tuple[int, int]:
    """Parse a CSV/JSON catalog and import it in this unit of work."""
    return import_services(conn, rows=parse_catalog(text, fmt=fmt))
