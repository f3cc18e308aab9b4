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

from connectors.clock import utcnow
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
    """What changes on both sides between two demo runs."""
    done: list[str] = []
    store: Any = sandbox.emulators.get("shift4shop")
    if store is not None:
        with store.lock:
            processing = [o["OrderID"] for o in store.records()["Order"] if o["OrderStatusID"] == 2]
            customer = store.records()["Customer"][0]["CustomerID"]
        for order_id in processing[:2]:
            store.touch_order(order_id, status_id=4)
            done.append(f"store shipped order {order_id}")
        store.edit_customer(customer, BillingAddress1=f"{len(done) + 7} Harbour Road")
        done.append(f"store customer {customer} moved")
    crm: Any = sandbox.emulators.get("salesforce")
    if crm is not None:
        done += _back_office_activity(crm)
    return done


def _back_office_activity(crm: Any) -> list[str]:
    done = []
    with crm.lock:
        recs = crm.records()
        orders = [o for o in recs["Order"] if o.get("Fulfillment_Status__c") == "Processing"]
        contact = next(
            (
                c
                for c in recs["Contact"]
                if c.get("Storebridge_Id__c", "")
                and ":customer:" in c["Storebridge_Id__c"]
                and "guest" not in c["Storebridge_Id__c"]
            ),
            None,
        )
        parents = {p.get("Variant_Of__c") for p in recs["Product2"]}
        product = next(
            (
                p
                for p in recs["Product2"]
                if not p.get("Variant_Of__c") and p["ProductCode"] not in parents
            ),
            None,
        )
    if orders:
        order = orders[0]
        with crm.lock:
            crm.dml.update(
                "Order",
                order["Id"],
                {
                    "Fulfillment_Status__c": "Shipped",
                    "Tracking_Number__c": "1ZDEMO0000001",
                    "Carrier__c": "UPS",
                    "Shipped_Date__c": utcnow().date().isoformat(),
                },
            )
        done.append(f"back office shipped {order['Storebridge_Id__c']}")
    if contact is not None:
        with crm.lock:
            crm.dml.update("Contact", contact["Id"], {"Phone": "+1 555 0100 0199"})
        done.append(f"back office changed the phone of {contact['Storebridge_Id__c']}")
    if product is not None:
        crm.set_price(product["ProductCode"], "99.00")
        crm.set_stock(product["ProductCode"], 42)
        done.append(f"back office repriced and restocked {product['ProductCode']}")
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
