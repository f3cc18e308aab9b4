"""Benchmark: order-to-cash backfills against the sandbox. Prints figures; asserts nothing.

    .venv/bin/python bench/order_to_cash.py [--orders 2000 8000] [--mode prefect|plain]
        [--store shift4shop|bigcommerce]

For each size: the seeded backfill and an unchanged second run, each in a fresh process, with
wall time, orders per second, the run's peak memory (the emulators run in another process, so
this is the engine alone), API calls per system (the emulators' counters), and Salesforce calls
per order next to the lowest number of calls any packing could have used:

* collections: one sObject Collections call per 200 records of each write (accounts, contacts,
  orders, items, activations);
* composite: those collection calls, five per `/composite` request;
* bulk: one Bulk API 2.0 job (about 6 calls) per write group, or the cheapest mix of both;

each plus the token and the look-ups that cannot be avoided (the price book, the price book
entries and the contacts by e-mail, in URL-sized chunks) for a load that streams in batches of
1,000 orders ("best"), and, for reference, if every look-up of the run were packed together,
which needs the whole run in memory ("best_whole_run"). The target is at most 1.1x "best".
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import admin, run_child, sandbox

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
WINDOW = ("2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00")
CALLS_PER_JOB = 6
BATCH = 1000  # order-to-cash's batch: the look-ups of a streamed load are made per batch


def seed_for(orders: int) -> dict[str, Any]:
    return {"orders": orders, "customers": max(200, orders // 3), "anchor": ANCHOR.isoformat()}


def minimums(records: dict[str, list[dict[str, Any]]], world: Any) -> dict[str, int]:
    """The lowest calls per strategy for what the run wrote (see the module docstring)."""
    from connectors.salesforce import soql

    ours = [r for r in records["Account"] if r.get("Storebridge_Id__c")]
    writes = {
        "Account": len(ours),
        "Contact": len([r for r in records["Contact"] if r.get("Storebridge_Id__c")]),
        "Order": len(records["Order"]),
        "OrderItem": len(records["OrderItem"]),
        "Status": len([o for o in records["Order"] if o["Status"] != "Draft"]),
    }
    good = sorted((o for o in world.orders if o.status_id != 7), key=lambda o: o.order_id)

    def lookups(batches: list[list[Any]]) -> int:
        """Token, price book, then per batch the SKUs and e-mails not looked up before."""
        calls, skus, emails = 2, set(), set()
        for batch in batches:
            new_skus = sorted({ln.sku for o in batch for ln in o.lines} - skus)
            new_emails = sorted(
                {o.customer.email.lower() for o in batch if o.customer.email} - emails
            )
            calls += len(
                list(soql.in_chunks("SELECT Id FROM PricebookEntry WHERE x IN {values}", new_skus))
            )
            calls += len(
                list(soql.in_chunks("SELECT Id FROM Contact WHERE Email IN {values}", new_emails))
            )
            skus.update(new_skus)
            emails.update(new_emails)
        return calls

    whole = lookups([good])  # every look-up of the run packed together (needs the whole run)
    streamed = lookups([good[i : i + BATCH] for i in range(0, len(good), BATCH)])
    chunks = {k: math.ceil(n / 200) for k, n in writes.items()}
    best_mix = min(
        CALLS_PER_JOB * len(bulk)
        + math.ceil(sum(c for k, c in chunks.items() if k not in bulk) / 5)
        for r in range(len(chunks) + 1)
        for bulk in itertools.combinations(chunks, r)
    )
    return {
        "collections": streamed + sum(chunks.values()),
        "composite": streamed + math.ceil(sum(chunks.values()) / 5),
        "bulk": streamed + CALLS_PER_JOB * sum(1 for c in chunks.values() if c),
        "best": streamed + best_mix,
        "best_whole_run": whole + best_mix,
        "best_lookups": streamed,
        "best_writes": best_mix,
    }


def child(mode: str, store: str) -> None:
    """One order-to-cash backfill in this process; prints its summary as JSON."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    window = [dt.datetime.fromisoformat(w) for w in WINDOW]
    if mode == "prefect":
        from flows.order_to_cash import order_to_cash

        result = order_to_cash(
            source=store, target="salesforce", window_start=window[0], window_end=window[1]
        )
    else:
        from flows.sync import run_sync
        from flows.usecases import ORDER_TO_CASH

        result = run_sync(
            ORDER_TO_CASH,
            source=store,
            target="salesforce",
            window_start=window[0],
            window_end=window[1],
            orchestrated=False,
        )
    print(json.dumps({k: v for k, v in result.items() if k != "dead_letters"}, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--mode", choices=["prefect", "plain"], default="plain")
    parser.add_argument("--store", choices=["shift4shop", "bigcommerce"], default="shift4shop")
    args = parser.parse_args()
    store = args.store
    from sandbox.seed import SeedConfig, build_world

    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-"))
    print(
        f"# order-to-cash backfill {store} -> salesforce, {args.mode} "
        f"(python {sys.version.split()[0]}); "
        f"memory = peak RSS of the run's own process"
    )
    peaks: dict[int, int] = {}
    for n in sorted(args.orders):
        seed = seed_for(n)
        with sandbox(work / f"sb-{n}", seed, [store, "salesforce"]) as ready:
            env = {
                **ready["env"],
                "STOREBRIDGE_STATE_PATH": str(work / f"state-{n}.db"),
                "PREFECT_HOME": str(work / "prefect"),
                "PREFECT_LOGGING_LEVEL": "WARNING",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            }
            for attempt in ("first", "second"):
                admin(ready, "salesforce", "counts/reset", "POST")
                admin(ready, store, "counts/reset", "POST")
                child_args = [str(Path(__file__)), "--child", args.mode, store]
                result, wall, peak = run_child(child_args, env)
                counts = {s: admin(ready, s, "counts") for s in (store, "salesforce")}
                calls = {s: c["total"] for s, c in counts.items()}
                read = max(result["read"], 1)
                line = (
                    f"{n:>6} orders {attempt:>6}: {wall:6.1f} s {read / wall:7.1f} orders/s "
                    f"peak {peak / 1024:6.0f} MiB  created {result['created']} unchanged "
                    f"{result['unchanged']} dead {result['dead_lettered']}  calls {calls}  "
                    f"{store}/order {calls[store] / read:.4f} "
                    f"salesforce/order {calls['salesforce'] / read:.4f}"
                )
                print(line, flush=True)
                if attempt == "first":
                    peaks[n] = peak
                    records = {
                        k: admin(ready, "salesforce", f"records/{k}")
                        for k in ("Account", "Contact", "Order", "OrderItem")
                    }
                    world = build_world(SeedConfig(**{**seed, "anchor": ANCHOR}))
                    low = minimums(records, world)
                    ratio = calls["salesforce"] / low["best"]
                    spent = {
                        k.replace("/services/data/v{version}", ""): v
                        for k, v in counts["salesforce"]["by_endpoint"].items()
                    }
                    print(f"{'':>21}salesforce calls by endpoint: {spent}")
                    print(
                        f"{'':>21}lowest possible: {low}  -> {calls['salesforce']} calls = "
                        f"{ratio:.2f}x the lowest (target <= 1.1x); per order: "
                        f"{low['best'] / read:.4f}",
                        flush=True,
                    )
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(
            f"peak memory {large} vs {small} orders: {peaks[large] / peaks[small]:.2f}x "
            "(target <= 1.3x)"
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "shift4shop")
    else:
        main()
