"""Benchmark: an order-to-cash backfill against the sandbox. Prints figures; asserts nothing.

    .venv/bin/python bench/order_to_cash.py --orders 2000 [--faults 0.2]

Measures, for N seeded orders: wall time of the flow on Prefect's local server and of the same
pipeline called without Prefect (the orchestration overhead is the difference), orders per second,
API calls per system (counted by the emulators) and Salesforce calls per order, then the same for
a second, unchanged run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WINDOW = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--faults", type=float, default=0.0, help="share of 429s and of 5xx each")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-"))
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

    from sandbox.core import FaultConfig
    from sandbox.runner import Sandbox
    from sandbox.seed import SeedConfig

    seed = SeedConfig(orders=args.orders, customers=max(200, args.orders // 3))
    faults = FaultConfig(
        rate_limit_share=args.faults, server_error_share=args.faults, retry_after_s=1
    )
    print(
        f"# {args.orders} seeded orders, faults {args.faults:.0%} (python {sys.version.split()[0]})"
    )
    for mode in ("plain", "prefect"):
        with Sandbox(work / f"sandbox-{mode}", seed=seed) as sb:
            for slug in sb.emulators:
                sb.emulator(slug).set_faults(faults)
            os.environ.update(sb.env())
            os.environ["STOREBRIDGE_STATE_PATH"] = str(work / f"state-{mode}.db")
            for attempt in ("first", "second"):
                for slug in sb.emulators:
                    sb.emulator(slug).reset_counts()
                started = time.perf_counter()
                result = run(mode)
                wall = time.perf_counter() - started
                report(
                    mode, attempt, result, wall, {s: sb.emulator(s).count() for s in sb.emulators}
                )


def run(mode: str) -> dict[str, Any]:
    if mode == "prefect":
        from flows.order_to_cash import order_to_cash

        return order_to_cash(window_start=WINDOW[0], window_end=WINDOW[1])
    return run_plain()


def run_plain() -> dict[str, Any]:
    """The same steps as the flow, as plain calls (no Prefect)."""
    from connectors.settings import load_settings
    from connectors.state import StateStore
    from flows import pipeline
    from flows.ports import LoadReport
    from flows.settings import OrderToCashSettings
    from flows.systems import open_source, open_target

    state = StateStore.from_settings()
    state.upgrade()
    settings = load_settings(OrderToCashSettings)
    source, target = open_source("shift4shop"), open_target("salesforce", state)
    plan = pipeline.make_plan(
        state,
        settings,
        source="shift4shop",
        target="salesforce",
        window_start=WINDOW[0],
        window_end=WINDOW[1],
    )
    extracted, missing = pipeline.extract(source, plan)
    orders, failures = pipeline.transform(source, extracted)
    failures += pipeline.not_found(plan, missing)
    pipeline.record_failures(state, plan, failures, "bench")
    report = LoadReport()
    for batch in pipeline.batches(orders, settings.batch_size):
        batch_report = target.load_orders(batch)
        pipeline.record_batch(state, plan, batch_report, "bench")
        report.merge(batch_report)
    source.close()
    target.close()
    read = len(extracted.records) + len(extracted.rejected) + len(missing)
    return pipeline.summarize(plan, read, report, failures, {}, "bench").as_dict()


def report(mode: str, attempt: str, r: dict[str, Any], wall: float, calls: dict[str, int]) -> None:
    per_order = calls.get("salesforce", 0) / max(r["read"], 1)
    print(
        f"{mode:>7} {attempt:>6} run: {wall:7.2f} s  {r['read'] / wall:7.1f} orders/s  "
        f"read {r['read']} created {r['created']} unchanged {r['unchanged']} "
        f"dead {r['dead_lettered']}  calls {calls}  salesforce/order {per_order:.3f}"
    )


if __name__ == "__main__":
    main()
