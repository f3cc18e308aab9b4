"""`make demo` / `storebridge demo`: every use case of a pair, end to end, on the embedded default.

Starts the sandbox (HTTPS emulators, records kept between demo runs under the work directory),
points the connectors at it, and runs each use case the pair supports, in the order a merchant
would switch them on: the catalogue and stock from the back office to the store, customers to the
back office, orders, customers back, fulfilment back. The first run backfills the seeded history;
later runs first let both sides change a few things (the store ships orders and a customer moves;
the back office ships an order, changes a price, stock and a phone number), so each use case has
something to carry, and show that nothing is created twice.

The demo never touches configured systems: it refuses to run when the state store or the Prefect
API point elsewhere (`STOREBRIDGE_STATE_URL`, `PREFECT_API_URL`), and keeps its own state file
and Prefect home.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flows import registry
from flows.registry import Kind, Role
from flows.usecases import CATALOG, CUSTOMERS, FULFILMENT, INVENTORY, ORDER_TO_CASH, UseCase
from sandbox.runner import Sandbox

LOOKBACK_DAYS = "400"  # the seed reaches back 120 days in the store and a year in the CRM


class DemoRefusedError(RuntimeError):
    """The demo would touch a configured (real) system."""


def steps(source: str, target: str) -> list[tuple[UseCase, str, str]]:
    """(use case, from, to) the pair supports, in the order the demo runs them."""
    a, b = registry.spec(source), registry.spec(target)
    store, office = (a, b) if a.kind is Kind.STORE else (b, a)
    plan = [
        (CATALOG, office, store),
        (INVENTORY, office, store),
        (CUSTOMERS, store, office),
        (ORDER_TO_CASH, store, office),
        (CUSTOMERS, office, store),
        (FULFILMENT, office, store),
    ]
    return [
        (uc, x.slug, y.slug)
        for uc, x, y in plan
        if x.plays(uc.entity, Role.SOURCE) and y.plays(uc.entity, Role.TARGET)
    ]


def guard_isolation() -> None:
    """Refuse to run against anything but the sandbox (its own state, its own Prefect)."""
    if os.environ.get("STOREBRIDGE_STATE_URL"):
        raise DemoRefusedError(
            "STOREBRIDGE_STATE_URL is set: the demo keeps its own SQLite "
            "state; unset it (or run the flows, not the demo)"
        )
    if os.environ.get("PREFECT_API_URL"):
        raise DemoRefusedError(
            "PREFECT_API_URL is set: the demo runs on its own local Prefect; unset it for the demo"
        )


def activity(sandbox: Sandbox) -> list[str]:
    """What changes on both sides between two demo runs: each emulator's `demo_activity`,
    the store's first (its changes then travel in this run, the back office's come back)."""
    done: list[str] = []
    for emulator in sorted(
        sandbox.emulators.values(), key=lambda e: registry.spec(e.name).kind is not Kind.STORE
    ):
        done += emulator.demo_activity()
    return done


def run_demo(
    workdir: Path, *, source: str = "shift4shop", target: str = "salesforce", quiet: bool = False
) -> dict[str, Any]:
    """Run every use case of the pair once and return the summary (what `--json` prints)."""
    guard_isolation()
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    first = not (workdir / "sandbox" / "state").exists()
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    plan = steps(source, target)
    os.environ["STOREBRIDGE_STATE_PATH"] = str(workdir / "state.db")
    for uc, _, _ in plan:
        os.environ.setdefault(f"{uc.env_prefix}INITIAL_LOOKBACK_DAYS", LOOKBACK_DAYS)
    runs = []
    with Sandbox(workdir / "sandbox", persist=True, systems=[source, target]) as sandbox:
        os.environ.update(sandbox.env())
        changes = [] if first else activity(sandbox)
        for uc, a, b in plan:
            for emulator in sandbox.emulators.values():
                emulator.reset_counts()
            result = uc.flow_function(source=a, target=b)
            calls = {slug: e.count() for slug, e in sandbox.emulators.items()}
            runs.append(
                {
                    "use_case": uc.name,
                    "from": a,
                    "to": b,
                    **_counts(result),
                    "api_calls": calls,
                    "dead_letters": result["dead_letters"][:10],
                }
            )
        urls = sandbox.urls
    return {
        "pair": f"{source} <-> {target}",
        "run": "first run: the seeded history" if first else "again: what changed since",
        "changes": changes,
        "sandbox": urls,
        "use_cases": runs,
        "state_database": str(workdir / "state.db"),
        "prefect_home": os.environ.get("PREFECT_HOME"),
    }


def _counts(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("read", "created", "updated", "unchanged", "skipped", "dead_lettered", "mode")
    return {k: result[k] for k in keys} | {"flow_run_id": result["flow_run_id"]}


def print_summary(s: dict[str, Any]) -> None:
    """The summary for a human."""
    lines = ["", f"storebridge demo: {s['pair']} on the local sandbox ({s['run']})"]
    lines += [f"  change         {c}" for c in s["changes"]]
    lines.append("")
    head = f"  {'use case':<14}{'from -> to':<26}{'read':>6}{'created':>9}{'updated':>9}"
    lines.append(head + f"{'same':>7}{'skipped':>9}{'dead':>6}  API calls")
    for r in s["use_cases"]:
        calls = ", ".join(f"{k} {v}" for k, v in r["api_calls"].items())
        lines.append(
            f"  {r['use_case']:<14}{r['from'] + ' -> ' + r['to']:<26}{r['read']:>6}"
            f"{r['created']:>9}{r['updated']:>9}{r['unchanged']:>7}{r['skipped']:>9}"
            f"{r['dead_lettered']:>6}  {calls}"
        )
        lines += [
            f"      dead letter #{d['id']}: {d['reason'][:110]}" for d in r["dead_letters"][:4]
        ]
    lines += [
        "",
        f"  state          {s['state_database']}  (storebridge deadletters list)",
        "  Prefect UI     run `make ui`, then open http://127.0.0.1:4200/runs",
        "  again          `make demo` a second time: both sides change a little, nothing is "
        "created twice",
        "",
    ]
    print("\n".join(lines))
