"""Mass orders: one SMM order per line, ``service_id|link|quantity``, each placed on its own.

Every line goes through ``service.place_order`` in its own unit of work, so a bad line (unknown
service, quantity out of range, short balance at that point) is refused alone and never blocks or
undoes the good ones. Lines are placed in the order written; blank lines are skipped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Concatenate, Final, ParamSpec, Protocol, TypeVar

from flashpanel.bounds import ID, read_integer, within
from flashpanel.db.runner import Conn
from flashpanel.errors import FlashpanelError, RuleViolation
from flashpanel.smm import service
from flashpanel.wallet.money import to_cents

MAX_LINES: Final = 100

P = ParamSpec("P")
T = TypeVar("T")


class Units(Protocol):
    async def write(self, fn: Callable[Concatenate[Conn, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


@dataclass(frozen=True, slots=True)
class LineResult:
    number: int  # 1-based, counting the lines as written (blank ones included)
    text: str
    order_id: int | None
    charge_cents: int
    error: str | None


@dataclass(frozen=True, slots=True)
class MassResult:
    lines: list[LineResult]

    @property
    def placed(self) -> int:
        return sum(1 for line in self.lines if line.order_id is not None)

    @property
    def total_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    service_id: int
    link: str
    quantity: int


def parse_line(text: str) -> ParsedLine:
    """``service_id|link|quantity`` (spaces around the fields allowed); :class:`RuleViolation` saying what is wrong."""
    fields = [part.strip() for part in text.split("|")]
    if len(fields) != 3:
        raise RuleViolation("Write the line as service_id|link|quantity")
    service_text, link, quantity_text = fields
    service_id = read_integer(service_text)
    if service_id is None or not within(service_id, ID):
        raise RuleViolation(f"Unknown service id: {service_text[:20]!r}")
    quantity = read_integer(quantity_text)
    if quantity is None or not 1 <= quantity <= 2**31 - 1:
        raise RuleViolation("Quantity must be a whole number")
    return ParsedLine(service_id, link, quantity)


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines with their line numbers; :class:`RuleViolation` past ``MAX_LINES``."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise RuleViolation("Enter at least one order, one per line: service_id|link|quantity")
    if len(lines) > MAX_LINES:
        raise RuleViolation(f"At most {MAX_LINES} orders at a time ({len(lines)} lines given)")
    return lines


async def place_all(units: Units, *, key_digest: str, text: str, simulators: bool) -> MassResult:
    """Place every line; raises only when the text as a whole is refused (no line, too many lines), before
    anything is placed."""
    results: list[LineResult] = []
    for number, line in numbered_lines(text):
        try:
            parsed = parse_line(line)
            placed: dict[str, Any] = await units.write(
                service.place_order,
                key_digest=key_digest,
                service_id=parsed.service_id,
                link=parsed.link,
                quantity=parsed.quantity,
                simulators=simulators,
            )
        except FlashpanelError as exc:
            results.append(LineResult(number, line, None, 0, exc.message))
            continue
        charge = to_cents(Decimal(placed["charge"]))
        results.append(LineResult(number, line, int(placed["order_id"]), charge, None))
    return MassResult(results)
