"""Benchmark: inventory (Salesforce stock → Shift4Shop) over a large catalogue. Prints figures.

    .venv/bin/python bench/inventory.py [--skus 100000] [--changed 0.01]

Seeds a catalogue of `--skus` products (no variants) in both emulators, runs the inventory use
case once (the first run resolves every SKU in the store and pushes every level), then changes
`--changed` of the stock levels in Salesforce and runs it again, then once more with nothing
changed. For the second and third runs it prints the store calls (expected: ceil(changed / 100),
the store's batch maximum for `PUT /Products`, and 0 when nothing changed), the Salesforce calls,
and the wall time (target < 30 s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
STORE_BATCH = 100  # PUT /Products (connectors/shift4shop/resources.py PRODUCTS_BATCH)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-inventory-"))
    os.environ.update(
        {
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "STOREBRIDGE_STATE_PATH": str(work / "state.db"),
            "STOREBRIDGE_INVENTORY_INITIAL_LOOKBACK_DAYS": "800",
        }
    )
    from connectors.clock import offset_for

    os.environ["STOREBRIDGE_CLOCK_OFFSET_S"] = offset_for(ANCHOR + dt.timedelta(hours=1))
    from flows.sync import run_sync
    from flows.usecases import INVENTORY
    from sandbox.runner import Sandbox
    from sandbox.seed import SeedConfig

    seed = SeedConfig(anchor=ANCHOR, products=args.skus, variants=False, orders=20, customers=20)
    started = time.perf_counter()
    sandbox = Sandbox(work / "sb", seed=seed, systems=["shift4shop", "salesforce"]).start()
    print(
        f"# inventory, {args.skus} SKUs, {args.changed:.1%} changed "
        f"(sandbox seeded in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    os.environ.update(sandbox.env())
    crm: Any = sandbox.emulator("salesforce")
    store: Any = sandbox.emulator("shift4shop")

    def run(label: str) -> None:
        for e in (crm, store):
            e.reset_counts()
        t0 = time.perf_counter()
        r = run_sync(INVENTORY, source="salesforce", target="shift4shop", orchestrated=False)
        wall = time.perf_counter() - t0
        writes = store.count("PUT /3dCartWebAPI/v1/Products")
        print(
            f"{label:>10}: {wall:6.1f} s  read {r['read']} updated {r['updated'] + r['created']}"
            f" unchanged {r['unchanged']} skipped {r['skipped']}  store calls {store.count()} "
            f"(PUT /Products {writes})  salesforce calls {crm.count()}",
            flush=True,
        )

    try:
        run("first")
        changed = max(1, int(args.skus * args.changed))
        step = args.skus // changed
        skus = [p.sku for p in sandbox.world.products[::step][:changed]]
        for n, sku in enumerate(skus):
            crm.set_stock(sku, 500 + n % 7)
        print(
            f"{'':>12}changed {len(skus)} levels in Salesforce: expected store calls "
            f"ceil({len(skus)} / {STORE_BATCH}) = {math.ceil(len(skus) / STORE_BATCH)}"
        )
        run("changed")
        run("unchanged")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
