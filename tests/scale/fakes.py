"""Serve one of flashpanel's fake upstreams in its own process, configured for the scale test.

    python tests/scale/fakes.py smm-v2 --port P         # SMM API v2 at http://127.0.0.1:P/api/v2
    python tests/scale/fakes.py sms-activate --port P   # SMS-Activate protocol

The harness reads the fake's counters (``add`` calls per link, ...) from ``GET /_control`` and moves
upstream orders (partial, cancelled) with ``POST /_control``.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

SMM_KEY = "scale-smm-key"
SMS_KEY = "scale-sms-key"

# Upstream ids "1".."3" back the harness's three local SMM services (whose min/max lie inside these).
SMM_SERVICES: list[dict[str, Any]] = [
    {"service": n, "name": f"Scale upstream {n}", "type": "Default", "category": "Scale", "rate": rate,
     "min": "1", "max": "1000000", "refill": False, "cancel": True}
    for n, rate in ((1, "0.61725"), (2, "0.03885"), (3, "12.50005"))
]  # fmt: skip


# (service, country) pairs the harness maps its OTP services to; the last one is scarce, so purchases
# meet NO_NUMBERS. Activations end SMS_TTL seconds after purchase (the panel's expiry); SMS arrive only
# when the harness delivers one through /_control.
SMS_STOCK = {("wa", "12"): 1000, ("tg", "12"): 1000, ("wa", "16"): 1000, ("tg", "16"): 40}


def sms_activate_app(ttl_seconds: float) -> Any:
    from flashpanel.providers.fakes.sms_activate import FakeSmsActivate

    app = FakeSmsActivate(
        api_key=SMS_KEY,
        balance="100000000",
        prices={pair: "0.10" for pair in SMS_STOCK},
        ttl_seconds=ttl_seconds,
    )
    for (service, country), count in SMS_STOCK.items():
        app.set_stock(service, country, count)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["smm-v2", "sms-activate"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--settle", type=float, default=4.0, help="seconds until an SMM order completes")
    parser.add_argument("--sms-ttl", type=float, default=10.0, help="seconds until an activation ends")
    args = parser.parse_args()
    if args.kind == "smm-v2":
        from flashpanel.providers.fakes.smm_panel import FakeSmmPanel

        app: Any = FakeSmmPanel(
            api_key=SMM_KEY,
            services=SMM_SERVICES,
            balance="100000000",
            currency="NGN",
            auto_complete_after=args.settle,
        )
    else:
        app = sms_activate_app(args.sms_ttl)
    uvicorn.run(app, host="127.0.0.1", port=args.port, lifespan="off", log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
