"""Fake upstreams speaking the real protocols over real HTTP, for tests and for operators
(``flashpanel dev fake-upstream smm-v2|sms-activate --port P``).

In tests::

    panel = FakeSmmPanel()
    with running_fake(panel) as base_url:
        provider = SmmV2Provider(f"{base_url}/api/v2", panel.api_key)
        ...
        panel.partial(order_id, remains=40)   # hooks move upstream state; no sleeping
"""

from flashpanel.providers.fakes.server import Clock, FakeUpstream, Fault, Switchboard, running_fake
from flashpanel.providers.fakes.smm_panel import FakeSmmPanel
from flashpanel.providers.fakes.sms_activate import FakeSmsActivate

__all__ = ["Clock", "FakeSmmPanel", "FakeSmsActivate", "FakeUpstream", "Fault", "Switchboard", "running_fake"]
