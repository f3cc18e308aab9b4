"""Benchmark: a store and Sage 300 against the sandbox. Prints figures; asserts nothing.

    .venv/bin/python bench/sage300.py [--orders 520 2000] [--store shift4shop|bigcommerce]

For each size, one sandbox (the store and Sage 300, seeded from the world anchored to
2026-11-23) and one state database, every run in a fresh process (the plain engine, as
`bench/order_to_cash.py`'s child):

1. the order-to-cash backfill store -> sage300 over the whole seeded window: wall time, orders
   read / created / dead-lettered, Web API requests (the emulator's ``/__admin/counts``) in
   total, per order and split into order, customer and receipt POSTs, look-ups (GETs) and the
   rest, the ODBC queries of the run (every `Sage300Database` statement the run's process sent;
   the run summary's ``sage_odbc_queries`` counts the same for the target) and the lowest
   number of requests any client could use: the Web API writes one record per request, so one
   POST per new customer, one per order and one per receipt batch (counted from what the run
   wrote: distinct non-seeded ARCUS customers, storebridge OEORDH references and ARBTA batch
   descriptions);
2. the same backfill again, nothing changed;
3. incremental polls sage300 -> store (fulfilment, catalog, inventory, customers), after the
   store's customers are linked (one customers run store -> sage300 over the whole window:
   linking by e-mail is that direction's job, unlinked Sage customers are not carried back):
   a first poll of each (no watermark yet: it reads the initial lookback, `LOOKBACK_DAYS` here
   so that it is the initial sync, seeded rows included), then after one back-office change of
   each kind (the emulator's admin helpers: an open storebridge order shipped with a tracking
   number, one item repriced by 5% and restocked by 10, a linked customer's phone corrected)
   one poll each, then one poll each with nothing changed; per poll the records read, the
   outcomes, Sage Web API requests, ODBC queries and store requests (writes).

The admin helpers of the Sage emulator are Python methods (no HTTP route), so the sandbox runs
in this process (`sandbox.runner.Sandbox`, one server thread per emulator) and each run in its
own process talks to it over HTTPS and ODBC, as it would to a merchant's systems.

The polls use an overlap of `POLL_OVERLAP_S` seconds (the default is 10 minutes) and the polls
after the changes start that long after them, so the quiet polls' windows hold no change: with
the default overlap a poll within ten minutes of a change re-reads it (found unchanged, nothing
written, the queries of the poll that carried it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import admin, run_child

ANCHOR = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
WINDOW = ("2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00")
SAGE = "sage300"
POLLS = ("fulfilment", "catalog", "inventory", "customers")
POLL_OVERLAP_S = 3.0
LOOKBACK_DAYS = 800  # the first poll without a watermark reads this far back (seeded rows too)
TRACKING = "1ZSAGE300BENCH0001"
PHONE = "+1 555 0100 0199"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
PREFIX = "STOREBRIDGE_"


def seed_for(orders: int) -> dict[str, Any]:
    return {"orders": orders, "customers": max(200, orders // 3), "anchor": ANCHOR}


def child(use_case: str, source: str, target: str, window: str) -> None:
    """One run in this process (plain engine); prints its summary and ODBC queries as JSON."""
    from connectors.sage300 import odbc
    from flows.sync import run_sync
    from flows.usecases import use_case as named

    sent = [0]
    run = odbc.Sage300Database._run

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent[0] += 1
        return run(self, *args, **kwargs)

    odbc.Sage300Database._run = counted  # type: ignore[method-assign]
    bounds: dict[str, Any] = {}
    if window == "all":
        bounds = {
            k: dt.datetime.fromisoformat(w)
            for k, w in zip(("window_start", "window_end"), WINDOW, strict=True)
        }
    result = run_sync(named(use_case), source=source, target=target, orchestrated=False, **bounds)
    out = {k: v for k, v in result.items() if k != "dead_letters"}
    out["odbc_queries"] = sent[0]
    print(json.dumps(out, default=str))


def resource(key: str) -> str:
    """``POST /Sage300WebApi/v1.0/-/{company}/OE/OEOrders`` -> ``POST OE/OEOrders``."""
    method, _, path = key.partition(" ")
    return f"{method} " + "/".join(path.split("(")[0].split("/")[-2:])


def split(by_endpoint: dict[str, int]) -> dict[str, int]:
    """Sage requests as order / customer / receipt POSTs, look-ups (GET) and the rest."""
    out: Counter[str] = Counter()
    for key, n in by_endpoint.items():
        name = resource(key)
        if name == "POST OE/OEOrders":
            out["order_post"] += n
        elif name == "POST AR/ARCustomers":
            out["customer_post"] += n
        elif name == "POST AR/ARReceiptAndAdjustmentBatches":
            out["receipt_post"] += n
        elif name.startswith("GET "):
            out["lookup"] += n
        else:
            out["other"] += n
    return out


def lowest(sb: Any, store: str) -> dict[str, int]:
    """One POST per record the run had to write (see the module docstring)."""
    erp = sb.emulator(SAGE)
    prefix = f"storebridge:{store}:"
    customers = {r["IDCUST"].strip() for r in erp.rows("ARCUS")} - set(erp.seeded_customers)
    orders = {r["REFERENCE"].strip() for r in erp.rows("OEORDH")}
    batches = {r["BATCHDESC"].strip() for r in erp.rows("ARBTA")}
    out = {
        "customers": len(customers),
        "orders": len({r for r in orders if r.startswith(prefix)}),
        "receipt_batches": len({b for b in batches if b.startswith(prefix)}),
    }
    out["total"] = sum(out.values())
    return out


def writes(counts: dict[str, Any]) -> int:
    return sum(n for k, n in counts["by_endpoint"].items() if k.split(" ", 1)[0] in WRITES)


def back_office_changes(sb: Any, store: str) -> list[str]:
    """One change of each kind in Sage 300, by the emulator's admin helpers; what was done."""
    from sandbox.sage300.constants import PARENT_FIELD, PRICE_LIST
    from sandbox.sage300.orders import live_on_hand

    erp = sb.emulator(SAGE)
    prefix = f"storebridge:{store}:"
    order = min(
        (o for o in erp.rows("OEORDH") if o["REFERENCE"].startswith(prefix)),
        key=lambda o: (int(o["COMPLETE"]) not in (1, 2), o["ORDNUMBER"]),
    )
    number = order["ORDNUMBER"].strip()
    erp.ship_order(number, tracking=TRACKING)
    sizes = {r["ITEMNO"].strip() for r in erp.rows("ICITEMO", OPTFIELD=PARENT_FIELD)}
    stock = {}
    for r in erp.rows("ICILOC"):
        stock.setdefault(r["ITEMNO"].strip(), r)
    prices = {r["ITEMNO"].strip(): r for r in erp.rows("ICPRIC", PRICELIST=PRICE_LIST)}
    item = min(i for i in stock if i in prices and i not in sizes)
    price = (prices[item]["BASEPRICE"] * Decimal("1.05")).quantize(Decimal("0.01"))
    erp.set_price(item, PRICE_LIST, price)
    level = stock[item]
    on_hand = live_on_hand(level) + 10
    erp.set_stock(item, level["LOCATION"].strip(), on_hand)
    registered = {c.email.lower() for c in sb.world.customers if c.customer_id}
    rows = erp.rows("ARCUS")
    emails = Counter(r["EMAIL2"].strip().lower() for r in rows)
    customer = min(
        r["IDCUST"].strip()
        for r in rows
        if r["EMAIL2"].strip().lower() in registered and emails[r["EMAIL2"].strip().lower()] == 1
    )
    erp.update_customer(customer, TEXTPHON1=PHONE)
    return [
        f"shipped {number} ({order['REFERENCE'].strip()}) with tracking {TRACKING}",
        f"repriced {item} to {price} ({PRICE_LIST}), restocked it to {on_hand} at "
        f"{level['LOCATION'].strip()}",
        f"changed the phone of customer {customer}",
    ]


class Bench:
    """One size: the sandbox, the state database and the runs."""

    def __init__(self, sb: Any, store: str, work: Path, n: int) -> None:
        self.sb, self.store, self.n = sb, store, n
        self.ready = {"urls": sb.urls, "ca": str(sb.tls.ca_cert)}
        self.env = {
            **sb.env(),
            "STOREBRIDGE_STATE_PATH": str(work / f"state-{n}.db"),
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        for name in POLLS:
            self.env[f"{PREFIX}{name.upper()}_OVERLAP_MINUTES"] = str(POLL_OVERLAP_S / 60)
            self.env[f"{PREFIX}{name.upper()}_INITIAL_LOOKBACK_DAYS"] = str(LOOKBACK_DAYS)

    def run(self, use_case: str, source: str, target: str, window: str) -> dict[str, Any]:
        for slug in (self.store, SAGE):
            admin(self.ready, slug, "counts/reset", "POST")
        args = [str(Path(__file__)), "--child", use_case, source, target, window]
        result, wall, _ = run_child(args, self.env)
        result["wall"] = wall
        result["counts"] = {s: admin(self.ready, s, "counts") for s in (self.store, SAGE)}
        return result

    def backfill(self, attempt: str) -> None:
        r = self.run("order-to-cash", self.store, SAGE, "all")
        sage = r["counts"][SAGE]
        calls, parts = sage["total"], split(sage["by_endpoint"])
        low = lowest(self.sb, self.store) if attempt == "first" else {"total": 0}
        read = max(r["read"], 1)
        ratio = f"{calls / low['total']:.2f}x" if low["total"] else "-"
        in_summary = r.get("counters", {}).get("sage_odbc_queries", 0)
        print(
            f"{self.n:>6} {attempt:<6} {r['wall']:6.1f} {r['read']:>5} {r['created']:>7} "
            f"{r['dead_lettered']:>4} {calls:>6} {calls / read:6.3f} {parts['order_post']:>6} "
            f"{parts['customer_post']:>5} {parts['receipt_post']:>5} {parts['lookup']:>4} "
            f"{parts['other']:>5} {r['odbc_queries']:>4} ({in_summary:>3}) "
            f"{low['total']:>6} {ratio:>6}  {r['counts'][self.store]['total']:>5}",
            flush=True,
        )
        if attempt == "first":
            print(
                f"{'':>14}lowest = {low['customers']} new customers + {low['orders']} orders + "
                f"{low['receipt_batches']} receipt batches; run counters: "
                f"{ {k: v for k, v in sorted(r.get('counters', {}).items())} }",
                flush=True,
            )

    def poll(self, name: str, change: str, link: bool = False) -> str:
        if link:  # the store's customers linked to Sage's (store -> sage300, the whole window)
            r = self.run(name, self.store, SAGE, "all")
        else:
            r = self.run(name, SAGE, self.store, "incremental")
        sage, shop = r["counts"][SAGE], r["counts"][self.store]
        outcome = "/".join(
            str(r[k]) for k in ("created", "updated", "unchanged", "skipped", "dead_lettered")
        )
        return (
            f"{self.n:>6} {change:<8} {name:<10} {r['wall']:6.1f} {r['read']:>5} {outcome:>17} "
            f"{sage['total']:>4} {r['odbc_queries']:>4} {shop['total']:>6} ({writes(shop)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, nargs="+", default=[520, 2000])
    parser.add_argument("--store", choices=["shift4shop", "bigcommerce"], default="shift4shop")
    args = parser.parse_args()
    store = args.store
    from sandbox.runner import Sandbox
    from sandbox.seed import SeedConfig

    work = Path(tempfile.mkdtemp(prefix="storebridge-bench-sage300-"))
    print(
        f"# Sage 300 and {store}, plain engine (python {sys.version.split()[0]}); every run in "
        "its own process; api = Sage 300 Web API requests, odbc = ODBC queries"
    )
    print(
        f"## order-to-cash backfill {store} -> sage300, the whole seeded window; order/cust/"
        "rcpt = POSTs of orders, customers, receipt batches, GET = look-ups, (run) = the run "
        "summary's sage_odbc_queries, lowest = one POST per record written, store = its requests\n"
        f"{'orders':>6} {'run':<6} {'wall s':>6} {'read':>5} {'created':>7} {'dead':>4} "
        f"{'api':>6} {'/order':>6} {'order':>6} {'cust':>5} {'rcpt':>5} {'GET':>4} "
        f"{'other':>5} {'odbc':>4} (run) {'lowest':>6} {'ratio':>6}  {'store':>5}",
        flush=True,
    )
    polls = [
        f"## incremental polls sage300 -> {store} (overlap {POLL_OVERLAP_S:g} s); "
        "outcome = created/updated/unchanged/skipped/dead",
        f"{'orders':>6} {'change':<8} {'poll':<10} {'wall s':>6} {'read':>5} {'outcome':>17} "
        f"{'api':>4} {'odbc':>4} {'store':>6} (writes)",
    ]
    for n in sorted(args.orders):
        sb = Sandbox(work / f"sb-{n}", seed=SeedConfig(**seed_for(n)), systems=(store, SAGE))
        sb.start()
        try:
            bench = Bench(sb, store, work, n)
            bench.backfill("first")
            bench.backfill("second")
            polls.append(bench.poll("customers", "link", link=True))
            polls += [bench.poll(name, "first") for name in POLLS]
            polls += [f"{'':>7}# {line}" for line in back_office_changes(sb, store)]
            time.sleep(POLL_OVERLAP_S + 1)
            polls += [bench.poll(name, "one") for name in POLLS]
            polls += [bench.poll(name, "none") for name in POLLS]
        finally:
            sb.stop()
    print("\n".join(polls), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
    else:
        main()
