"""What a provider can do beyond the core of its line, as typed Protocols with typed results.

Every SMM provider submits and reports progress (:class:`~flashpanel.providers.base.SmmProvider`); some
also refill, cancel, list their catalog or report their balance. The code that needs one of those asks
:func:`refiller`, :func:`canceller`... for a typed view of the provider (or None), instead of probing
attribute names: the Protocol names the methods and their result types once, mypy checks every caller
against it, and a provider (an adapter, the simulator, a test's fake) gains a capability by implementing
the methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from flashpanel.providers.base import ProviderError, UpstreamBalance, UpstreamCatalog


@runtime_checkable
class SupportsRefill(Protocol):
    async def refill(self, upstream_order_id: str) -> str:
        """Ask for a refill of a completed order; returns the upstream's refill id. Raises
        :class:`ProviderError`."""
        ...

    async def refill_status(self, refill_ids: Sequence[str]) -> Mapping[str, str | ProviderError]:
        """Each refill's status as the upstream words it (``Completed``, ``Rejected``, ``In progress``...),
        or the error it reported for that refill. Raises :class:`ProviderError` when it cannot be asked."""
        ...


@runtime_checkable
class SupportsCancel(Protocol):
    async def cancel(self, upstream_order_ids: Sequence[str]) -> Mapping[str, bool | ProviderError]:
        """Ask the upstream to cancel orders: True where it accepted (the outcome shows up in later status
        answers), False or the error where it refused. Raises :class:`ProviderError` when it cannot be asked."""
        ...


@runtime_checkable
class SupportsCatalog(Protocol):
    async def services(self) -> UpstreamCatalog:
        """The upstream's services list, unreadable entries set aside. Raises :class:`ProviderError`."""
        ...


@runtime_checkable
class SupportsBalance(Protocol):
    async def balance(self) -> UpstreamBalance:
        """What flashpanel's account holds upstream. Raises :class:`ProviderError`."""
        ...


# One typed view per capability: ``isinstance`` against a runtime-checkable Protocol checks that the
# methods exist; their signatures are mypy's to check, where each provider class is written.
def refiller(provider: object) -> SupportsRefill | None:
    """``provider`` as one that refills, or None."""
    return provider if isinstance(provider, SupportsRefill) else None


def canceller(provider: object) -> SupportsCancel | None:
    """``provider`` as one that cancels orders upstream, or None."""
    return provider if isinstance(provider, SupportsCancel) else None


def catalog_source(provider: object) -> SupportsCatalog | None:
    """``provider`` as one that lists its services, or None."""
    return provider if isinstance(provider, SupportsCatalog) else None


def balance_source(provider: object) -> SupportsBalance | None:
    """``provider`` as one that reports its balance, or None."""
    return provider if isinstance(provider, SupportsBalance) else None
