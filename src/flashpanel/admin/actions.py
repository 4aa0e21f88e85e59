"""Running an operator's action: one unit of work that checks the role, makes the change and writes its
audit row; a refusal (role, rule, a form sent twice) is audited too, in a unit of its own, since the
action's unit rolled back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from flashpanel.admin.audit import Actor, record
from flashpanel.db.runner import Conn, Database
from flashpanel.errors import FlashpanelError

P = ParamSpec("P")
T = TypeVar("T")


async def perform(
    db: Database,
    fn: Callable[Concatenate[Conn, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``fn(conn, actor=..., ...)`` in one write unit. Every action function takes ``actor`` and declares
    ``AUDIT_ACTION``/``AUDIT_OBJECT`` (the object kind) so that a refusal is recorded against the same
    action and object as a success would be."""
    try:
        return await db.write(fn, *args, **kwargs)
    except FlashpanelError as exc:
        await audit_refusal(db, fn, exc, kwargs)
        raise


async def audit_refusal(db: Database, fn: Callable[..., Any], exc: FlashpanelError, kwargs: dict[str, Any]) -> None:
    """Record that ``fn`` (an :func:`audited` action) called with ``kwargs`` was refused, in a unit of its own."""
    actor = kwargs.get("actor")
    if isinstance(actor, Actor):
        await db.write(
            record,
            actor=actor,
            action=str(getattr(fn, "audit_action", fn.__name__)),
            object_kind=getattr(fn, "audit_object", None),
            object_id=_object_id(kwargs),
            after={"refused": exc.message},
            note=_note(kwargs),
            outcome="refused",
        )


def _object_id(kwargs: dict[str, Any]) -> str | None:
    for name in ("customer_id", "order_id", "product_id", "service_id", "reference", "name"):
        if kwargs.get(name) is not None:
            return str(kwargs[name])
    return None


def _note(kwargs: dict[str, Any]) -> str | None:
    note = kwargs.get("note")
    return str(note) if note else None


def audited(action: str, object_kind: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Mark an action function with the audit action and object kind its refusals are recorded under."""

    def mark(fn: Callable[..., T]) -> Callable[..., T]:
        fn.audit_action = action  # type: ignore[attr-defined]
        fn.audit_object = object_kind  # type: ignore[attr-defined]
        return fn

    return mark
