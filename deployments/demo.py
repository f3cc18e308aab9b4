"""`make demo` / `storebridge demo`: the main job end to end on the embedded default.

Starts the sandbox (HTTPS emulators of Shift4Shop and Salesforce, records kept between demo runs
under the work directory), points the connectors at it, and runs the `order-to-cash` flow on
Prefect's local server with the SQLite state store. The first run backfills the seeded 90 days;
later runs first let the store "ship" two orders, so the incremental sync has something to read,
and show that nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sandbox.runner import Sandbox

SHIPPED, PROCESSING = 4, 2


def _store_activity(sandbox: Sandbox) -> list[str]:
    """Two Processing orders ship (as a merchant would between two syncs)."""
    store: Any = sandbox.emulator("shift4shop")
    with store.lock:
        processing = [
            o["OrderID"] for o in store.records()["Order"] if o["OrderStatusID"] == PROCESSING
        ]
    for order_id in processing[:2]:
        store.touch_order(order_id, status_id=SHIPPED)
    return [f"order {i} shipped" for i in processing[:2]]


def _records(sandbox: Sandbox, slug: str) -> dict[str, int]:
    emulator = sandbox.emulator(slug)
    with emulator.lock:
        return {kind: len(rows) for kind, rows in emulator.records().items()}


def run_demo(workdir: Path, *, quiet: bool = False) -> dict[str, Any]:
    """Run the demo once and return its summary (what `--json` prints)."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    first = not (workdir / "sandbox" / "state").exists()
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    with Sandbox(workdir / "sandbox", persist=True) as sandbox:
        os.environ.update(sandbox.env())
        os.environ["STOREBRIDGE_STATE_PATH"] = str(workdir / "state.db")
        os.environ.setdefault("STOREBRIDGE_ORDER_TO_CASH_INITIAL_LOOKBACK_DAYS", "91")
        activity = [] if first else _store_activity(sandbox)
        before = _records(sandbox, "salesforce")
        for slug in sandbox.emulators:
            sandbox.emulator(slug).reset_counts()
        from flows.order_to_cash import order_to_cash  # Prefect loads with the env above

        result = order_to_cash(source="shift4shop", target="salesforce")
        after = _records(sandbox, "salesforce")
        calls = {slug: sandbox.emulator(slug).count() for slug in sandbox.emulators}
        urls = sandbox.urls
    from connectors.state import DeadLetterStatus, StateStore

    state = StateStore(f"sqlite:///{workdir / 'state.db'}")
    open_letters = state.list_dead_letters(status=DeadLetterStatus.OPEN, limit=1000)
    state.dispose()
    read = result["read"] or 1
    return {
        "run": "first run, reads the seeded 90 days" if first else "again, since the last run",
        "store_activity": activity,
        "sandbox": urls,
        **result,
        "salesforce_created": {
            k: after.get(k, 0) - before.get(k, 0)
            for k in after
            if after.get(k, 0) != before.get(k, 0)
        },
        "salesforce_totals": after,
        "api_calls_seen_by_emulators": calls,
        "salesforce_calls_per_order_read": round(calls.get("salesforce", 0) / read, 3),
        "open_dead_letters": [
            {"id": d.id, "record": f"{d.system}:{d.entity}:{d.external_id}", "reason": d.message}
            for d in open_letters
        ],
        "state_database": str(workdir / "state.db"),
        "prefect_home": os.environ.get("PREFECT_HOME"),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def print_summary(s: dict[str, Any]) -> None:
    """The summary for a human."""
    created = ", ".join(f"{n} {k}" for k, n in s["salesforce_created"].items()) or "nothing"
    customers = ", ".join(f"{k} {v}" for k, v in sorted(s["counters"].items()))
    lines = [
        "",
        "storebridge demo: Shift4Shop -> Salesforce on the local sandbox",
        f"  run            {s['run']} ({s['mode']}: {s['since']} .. {s['until']})",
    ]
    if s["store_activity"]:
        lines.append(f"  store activity {'; '.join(s['store_activity'])}")
    lines += [
        f"  orders read    {s['read']}",
        f"  in Salesforce  created {s['created']} orders, updated {s['updated']}, "
        f"unchanged {s['unchanged']}",
        f"  records added  {created}",
        f"  customers      {customers or '-'}",
        f"  dead letters   {s['dead_lettered']} this run, {len(s['open_dead_letters'])} open",
    ]
    lines += [f"    #{d['id']} {d['reason']}" for d in s["open_dead_letters"]]
    calls = s["api_calls_seen_by_emulators"]
    lines += [
        "  API calls      "
        + ", ".join(f"{k} {v}" for k, v in calls.items())
        + f"  ({s['salesforce_calls_per_order_read']} Salesforce calls per order read)",
        "",
        f"  state          {s['state_database']}  (storebridge deadletters list)",
        f"  Prefect run    {s['flow_run_id']}",
        "  Prefect UI     run `make ui`, then open http://127.0.0.1:4200/runs",
        "                 (same database as this run; the artifacts tab has the run's tables)",
        "  again          `make demo` a second time: it creates nothing twice",
        "",
    ]
    print("\n".join(lines))
