"""The fake upstream servers (two SMM API v2 panels and one SMS-Activate server, each its own process, see
``fakes.py``): starting them, and the chaos real upstreams bring while the load runs (partial and cancelled
orders, SMS for about half of the numbers, faulty answers)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.scale.observed import Observed
from tests.scale.procs import Proc, free_port

FAKES_SCRIPT = Path(__file__).resolve().with_name("fakes.py")


@dataclass
class Fakes:
    """The fake upstream servers (separate processes, see fakes.py) and how to reach them. Two SMM
    panels: ``smm_base`` gets the upstream chaos (partials, cancellations, faults); ``smm2_base`` backs the
    service whose orders customers cancel through /api/v2 (kept apart so that the two never race)."""

    smm_base: str | None = None
    smm2_base: str | None = None
    sms_base: str | None = None
    procs: list[Proc] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    provider_ids: dict[str, int] = field(default_factory=dict)  # base URL -> provider id

    def describe(self) -> str:
        have = [n for n, b in (("2 fake smm-v2", self.smm_base), ("fake sms-activate", self.sms_base)) if b]
        return ", ".join(have + [f"{m} (missing: built-in simulator instead)" for m in self.missing])

    def smm_snapshots(self) -> list[tuple[str, int, dict[str, Any]]]:
        return [
            (base, self.provider_ids[base], httpx.get(base + "/_control", timeout=30).json())
            for base in (self.smm_base, self.smm2_base)
            if base and base in self.provider_ids
        ]


SMS_PATH = "/stubs/handler_api.php"


def _module_exists(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


async def start_fakes(fakes: Fakes, env: dict[str, str], logdir: Path, settle: float, sms_ttl: float) -> None:
    for name, kind, module in (
        ("smm-v2", "smm-v2", "flashpanel.providers.fakes.smm_panel"),
        ("smm-v2-b", "smm-v2", "flashpanel.providers.fakes.smm_panel"),
        ("sms-activate", "sms-activate", "flashpanel.providers.fakes.sms_activate"),
    ):
        if not _module_exists(module):
            fakes.missing.append(f"fake {kind}")
            continue
        port = free_port()
        proc = Proc(
            f"fake-{name}",
            [
                sys.executable,
                str(FAKES_SCRIPT),
                kind,
                "--port",
                str(port),
                "--settle",
                str(settle),
                "--sms-ttl",
                str(sms_ttl),
            ],
            env,
            logdir,
            port,
        )
        fakes.procs.append(proc)
        proc.start()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(base + "/_control")).status_code == 200:
                        break
                if not proc.alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"fake {kind} did not start:\n{proc.tail()}")
                await asyncio.sleep(0.1)
        if name == "smm-v2":
            fakes.smm_base = base
        elif name == "smm-v2-b":
            fakes.smm2_base = base
        else:
            fakes.sms_base = base


async def upstream_chaos(fakes: Fakes, rng: random.Random, end: float, obs: Observed, sms_delay: float) -> None:
    """What real upstreams do: some SMM orders go partial, some get cancelled; SMS arrive for about half
    of the numbers (the rest expire or are cancelled); and now and then an answer is a 500, an HTML page,
    an empty or a malformed body (the action not carried out)."""
    smm_touched: set[str] = set()
    sms_seen: dict[str, float] = {}  # activation -> when first seen
    sms_decided: set[str] = set()
    last_pass = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
            # The fake's hooks move an order whatever its state; only orders first seen by a prompt pass
            # are young enough (well inside --settle) not to have completed, and been seen completed by
            # the panel, before the hook lands.
            prompt = time.monotonic() - last_pass < 2.0
            last_pass = time.monotonic()
            with contextlib.suppress(httpx.HTTPError):
                if fakes.smm_base:  # not smm2_base: its orders are the customers' to cancel
                    control = fakes.smm_base + "/_control"
                    snapshot = (await client.get(control)).json()
                    seen_at = time.monotonic()
                    for order_id, st in snapshot["orders"].items():
                        if order_id in smm_touched or st["status"] not in ("Pending", "In progress"):
                            continue
                        smm_touched.add(order_id)
                        if not prompt or time.monotonic() - seen_at > 1.0:
                            continue
                        roll = rng.random()
                        remains = int(st["remains"])
                        if roll < 0.08 and remains > 1:
                            await client.post(
                                control,
                                json={"op": "partial", "order": int(order_id), "remains": rng.randint(1, remains - 1)},
                            )
                            obs.upstream_moves["smm partial"] += 1
                        elif roll < 0.14:
                            await client.post(
                                control,
                                json={"op": "cancel_order", "order": int(order_id), "refunded": rng.random() < 0.5},
                            )
                            obs.upstream_moves["smm cancelled"] += 1
                    kind = rng.choice(["500", "html", "empty", "malformed"])
                    action = rng.choice(["add", "status"])
                    await client.post(
                        control, json={"op": "fail_next", "kind": kind, "action": action, "times": rng.randint(1, 3)}
                    )
                    obs.upstream_moves[f"smm fault {kind} on {action}"] += 1
                if fakes.sms_base:
                    control = fakes.sms_base + "/_control"
                    snapshot = (await client.get(control)).json()
                    for activation, state in snapshot["activations"].items():
                        first_seen = sms_seen.setdefault(activation, time.monotonic())
                        if time.monotonic() - first_seen < max(0.4, sms_delay):  # decide when a little older
                            continue
                        if activation in sms_decided or state != "wait":
                            continue
                        sms_decided.add(activation)
                        if rng.random() < 0.5:
                            code = f"{rng.randrange(10**6):06d}"
                            answer = (
                                await client.post(
                                    control, json={"op": "deliver_sms", "activation": activation, "code": code}
                                )
                            ).json()
                            if answer.get("ok"):
                                obs.sms_delivered[activation] = code
                                obs.upstream_moves["sms delivered"] += 1
                    if rng.random() < 0.3:
                        kind = rng.choice(["500", "html", "empty"])
                        action = rng.choice(["getNumberV2", "getNumber", "getStatus", "setStatus"])
                        await client.post(control, json={"op": "fail_next", "kind": kind, "action": action})
                        obs.upstream_moves[f"sms fault {kind} on {action}"] += 1
