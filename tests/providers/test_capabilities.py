"""Provider capabilities: each adapter is seen as what it implements, and nothing else."""

from __future__ import annotations

from flashpanel.config import Settings
from flashpanel.providers.capabilities import balance_source, canceller, catalog_source, refiller
from flashpanel.providers.kinds import SMM_FACTORIES, SMM_V2, UpstreamAccess
from flashpanel.providers.simulator_smm import SimulatedSmmProvider


def _smm_v2_adapter() -> object:
    access = UpstreamAccess(name="panel", kind=SMM_V2, url="http://127.0.0.1:9/api/v2", api_key="k", currency="")
    return SMM_FACTORIES[SMM_V2](access)


def test_the_smm_v2_adapter_refills_cancels_lists_its_catalog_and_reports_its_balance() -> None:
    adapter = _smm_v2_adapter()
    views = [refiller(adapter), canceller(adapter), catalog_source(adapter), balance_source(adapter)]
    assert [view is adapter for view in views] == [True, True, True, True]


def test_the_smm_simulator_has_none_of_the_optional_capabilities() -> None:
    simulator = SimulatedSmmProvider(Settings())
    assert [refiller(simulator), canceller(simulator), catalog_source(simulator), balance_source(simulator)] == [
        None,
        None,
        None,
        None,
    ]
