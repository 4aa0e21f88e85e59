"""The scenarios: what wrk requests (paths, bodies) and what each one's samples add up to."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field

import seed as seeding
from tools import BenchError
from wrk import Sample

CEILING = "ceiling"


@dataclass
class Scenario:
    name: str
    route: tuple[str, str]  # (method, path) that must exist in the app
    paths: list[str]
    body: str | None = None
    check_table: str | None = None  # write scenarios: the orders table checked afterwards
    anchored: bool = False  # measured against the hand-written asyncpg anchor too (``--postgres``)
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # side name -> one sample per round
    skipped: str | None = None
    rss_after_mb: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.route[0]

    def median(self, side: str, attr: str) -> float:
        return float(statistics.median(getattr(s, attr) for s in self.samples[side]))

    def ratio(self, side: str, to: str = CEILING) -> float:
        """The median of the per-round ratios ``side`` / ``to`` (measured seconds apart, so that machine
        noise hits both alike)."""
        pairs = zip(self.samples[side], self.samples[to], strict=True)
        return float(statistics.median(a.rps / b.rps for a, b in pairs if b.rps > 0))


def build_scenarios(seeded: seeding.Seeded, sizes: tuple[int, ...]) -> list[Scenario]:
    keys = seeded.keys
    api = "/api/v1"
    order_body = json.dumps(
        {"service": seeding.SERVICE_ID, "link": "https://example.com/bench", "quantity": seeding.ORDER_QUANTITY},
        separators=(",", ":"),
    )
    purchase_body = json.dumps({"product": seeding.PRODUCT_ID, "quantity": 1}, separators=(",", ":"))
    scenarios = [
        Scenario("GET /balance", ("GET", f"{api}/balance"), [f"{api}/balance?key={k}" for k in keys], anchored=True),
        Scenario("GET /smm/services", ("GET", f"{api}/smm/services"), [f"{api}/smm/services?key={k}" for k in keys]),
        Scenario(
            "GET /smm/status",
            ("GET", f"{api}/smm/status"),
            [f"{api}/smm/status?key={k}&order={o}" for k, o in seeded.status_orders],
        ),
        Scenario(
            "POST /smm/order",
            ("POST", f"{api}/smm/order"),
            [f"{api}/smm/order?key={k}" for k in keys],
            body=order_body,
            check_table="smm_orders",
            anchored=True,
        ),
        Scenario(
            "POST /accounts/purchase",
            ("POST", f"{api}/accounts/purchase"),
            [f"{api}/accounts/purchase?key={k}" for k in keys],
            body=purchase_body,
            check_table="account_orders",
        ),
    ]
    for size in sizes:
        key = seeded.history_keys[size]
        last_page = (size + 19) // 20
        for label, page in (("page 1", 1), (f"deep p{last_page}", last_page)):
            scenarios.append(
                Scenario(
                    f"GET /smm/orders {human(size)} {label}",
                    ("GET", f"{api}/smm/orders"),
                    [f"{api}/smm/orders?key={key}&page={page}&limit=20"],
                )
            )
    return scenarios


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def app_routes(env: dict[str, str]) -> set[tuple[str, str]]:
    code = (
        "import json\nfrom flashpanel.app import create_app\napp = create_app(run_worker=False)\n"
        "print(json.dumps(sorted({(m, r.path) for r in app.routes for m in getattr(r, 'methods', ())})))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"could not import the app to list its routes:\n{result.stderr[-3000:]}")
    return {(m, p) for m, p in json.loads(result.stdout.strip().splitlines()[-1])}
