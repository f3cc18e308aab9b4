"""Shift4Shop ⇄ Sage 300 and BigCommerce ⇄ Sage 300 end to end, against the sandbox (issue #10).

One sandbox for the module: both stores and one Sage 300 company (as a merchant with two stores
and one ERP). Per store, in the order a merchant starts: the catalogue and the stock reach the
store, the store's customers and orders reach Sage 300, then the way back (customers,
fulfilments). Each run is repeated over the same records (a window from the first's start:
AUDTDATE/AUDTTIME polling) and the repeat writes nothing. Then Sage ships an order, which one
run carries to the store and the next leaves alone; and (Shift4Shop) a payment captured after
entry becomes one receipt, a line changed after entry a dead letter saying what differs.

A faults test: under 20% injected 5xx (half of them after the write applied: lost answers) no
Sage order, customer or receipt is written twice and the rows equal a clean run's. The Sage
calls per order (emulator counters, ODBC queries from the run's counters) are printed (`-s`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.clock import utcnow
from connectors.state.meta import PSEUDONYM_KEY
from flows.catalog import catalog
from flows.customers import customers
from flows.fulfilment import fulfilment
from flows.inventory import inventory
from flows.order_to_cash import order_to_cash
from sandbox.core import FaultConfig
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, SeedConfig, SeedTransaction
from tests.conftest import ANCHOR, Pair
from tests.flows.sync_helpers import Run, measured, through_now

pytestmark = [
    pytest.mark.prefect,
    pytest.mark.usefixtures("prefect_server"),
    pytest.mark.timeout(900),  # the module's scenario runs in the first test's setup
]
SAGE = "sage300"
STORES = ("shift4shop", "bigcommerce")
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
TRACKING = {"shift4shop": "1ZSAGE30000000S4S1", "bigcommerce": "1ZSAGE30000000BC01"}
LOOKBACK = ("CATALOG", "INVENTORY", "CUSTOMERS", "FULFILMENT")
WRITES = ("POST", "PATCH", "PUT", "DELETE")
FAULTS = FaultConfig(server_error_share=0.2, after_apply_share=0.5, seed=20261123)
SHARED_KEY = "5c" * 32
ALL = ("catalog", "inventory", "customers", "o2c", "customers_back", "fulfilment")


class SagePair(Pair):
    """`conftest.Pair` with Sage 300 as the back office of `stores`."""

    def __init__(self, workdir: Path, monkeypatch: pytest.MonkeyPatch, stores: tuple[str, ...]):
        seed = SeedConfig(anchor=ANCHOR)
        self.sandbox = Sandbox(workdir / "sandbox", systems=(*stores, SAGE), seed=seed).start()
        self.state_path = workdir / "state.db"
        self.env = {**self.sandbox.env(), "STOREBRIDGE_STATE_PATH": str(self.state_path)}
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)

    @property
    def sage(self) -> Any:
        return self.sandbox.emulator(SAGE)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The company database's rows of `table`, as stored (CHAR padded)."""
        return [{k: _plain(v) for k, v in r.items()} for r in self.sage.rows(table)]

    def store_text(self, store: str) -> str:
        """Everything the store emulator holds, as text (to find a tracking number in)."""
        return json.dumps(self.sandbox.emulator(store).dump(), default=str)


def _plain(value: Any) -> Any:
    return value.rstrip() if isinstance(value, str) else value


def writes(run: Run, system: str = SAGE) -> int:
    """Write requests `system` answered in a run."""
    return sum(n for key, n in run.counts[system].items() if key.split(" ", 1)[0] in WRITES)


def by_resource(run: Run) -> Counter[str]:
    """Sage requests of a run per method and resource (`POST OE/OEOrders`): the counters key a
    request refused before routing by its path, the others by their route template."""
    out: Counter[str] = Counter()
    for key, n in run.counts[SAGE].items():
        method, _, path = key.partition(" ")
        resource = "/".join(path.split("(")[0].split("/")[-2:])
        out[f"{method} {resource}"] += n
    return out


def _twice(out: dict[str, Any], name: str, flow: Any, pair: SagePair, **params: Any) -> None:
    """Run `flow` once, then again over the same records (a window from the first's start)."""
    out[name] = first = measured(flow, pair, **params)
    if "window_start" not in params:
        params["window_start"] = dt.datetime.fromisoformat(first["since"])
        params["window_end"] = through_now()
    out[f"{name}_again"] = measured(flow, pair, **params)


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    for use_case in LOOKBACK:
        mp.setenv(f"STOREBRIDGE_{use_case}_INITIAL_LOOKBACK_DAYS", "400")
    pair = SagePair(tmp_path_factory.mktemp("sage300"), mp, STORES)
    out: dict[str, Any] = {"pair": pair}
    try:
        for store in STORES:
            out[store] = ran = {"store": store}
            back, forth = {"source": SAGE, "target": store}, {"source": store, "target": SAGE}
            _twice(ran, "catalog", catalog, pair, **back)
            _twice(ran, "inventory", inventory, pair, **back)
            _twice(ran, "customers", customers, pair, **forth)
            backfill = {**forth, "window_start": START, "window_end": END}
            _twice(ran, "o2c", order_to_cash, pair, **backfill)
            since = {"window_start": utcnow() - dt.timedelta(days=400), "window_end": through_now()}
            _twice(ran, "customers_back", customers, pair, **back, **since)
            _twice(ran, "fulfilment", fulfilment, pair, **back)
            _sage_ships(pair, ran, back)
        _changed_after_entry(pair, out["shift4shop"])
        yield out
    finally:
        pair.stop()
        mp.undo()


def _sage_ships(pair: SagePair, out: dict[str, Any], back: dict[str, str]) -> None:
    """A warehouse clerk ships one open order of the store in Sage 300, with a tracking number."""
    prefix = f"storebridge:{out['store']}:"
    order = next(
        r
        for r in pair.rows("OEORDH")
        if r["REFERENCE"].startswith(prefix) and int(r["COMPLETE"]) == 1
    )
    pair.sage.ship_order(order["ORDNUMBER"], tracking=TRACKING[out["store"]])
    out["full"] = order
    out["shipped"] = measured(fulfilment, pair, **back)
    out["shipped_again"] = measured(fulfilment, pair, **back)


def _changed_after_entry(pair: SagePair, out: dict[str, Any]) -> None:
    """In the store, after entry: a payment is captured on one order, a line changes on
    another. OEOrders cannot be changed: the capture is a receipt, the line a dead letter."""
    store: Any = pair.sandbox.emulator("shift4shop")
    world = pair.sandbox.world
    good = [o for o in world.orders if not o.defect and o.status_id != NOT_COMPLETED]
    authorised = next(o for o in good if [t.kind for t in o.transactions] == ["Authorize"])
    edited = next(o for o in good if o.order_id != authorised.order_id and o.lines[0].quantity < 9)
    with store.transaction() as tx:
        order = store.state.orders[authorised.order_id]
        amount = order.transactions[0].amount
        order.transactions.append(
            SeedTransaction(authorised.order_id * 10 + 9, "Capture", amount, tx.now)
        )
        order.last_update = tx.now
        other = store.state.orders[edited.order_id]
        first = other.lines[0]
        other.lines[0] = replace(first, quantity=first.quantity + 1)
        other.last_update = tx.now
    ids = {"source": "shift4shop", "target": SAGE}
    out["captured"] = authorised.order_id
    out["capture"] = measured(order_to_cash, pair, **ids, ids=[str(authorised.order_id)])
    out["capture_again"] = measured(order_to_cash, pair, **ids, ids=[str(authorised.order_id)])
    out["edited"] = edited.order_id
    out["edit"] = measured(order_to_cash, pair, **ids, ids=[str(edited.order_id)])


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name", ALL)
def test_every_second_run_writes_nothing(scenario: dict[str, Any], store: str, name: str) -> None:
    first, again = scenario[store][name], scenario[store][f"{name}_again"]
    assert again["read"] == first["read"]
    assert (again["created"], again["updated"]) == (0, 0)
    assert writes(again) == 0
    assert writes(again, store) == 0


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name", ALL)
def test_every_first_run_reads_something(scenario: dict[str, Any], store: str, name: str) -> None:
    assert scenario[store][name]["read"] > 0


@pytest.mark.parametrize("store", STORES)
def test_order_to_cash_enters_every_good_order_once_with_its_receipts(
    scenario: dict[str, Any], store: str
) -> None:
    pair, run = scenario["pair"], scenario[store]["o2c"]
    world = pair.sandbox.world
    placed = [o for o in world.orders if o.status_id != NOT_COMPLETED]
    good = [o for o in placed if not o.defect]
    assert run["created"] == len(good)
    assert run["dead_lettered"] == len(placed) - len(good)
    errors = Counter(d["error"] for d in run["dead_letters"])
    assert errors["UnknownSkuError"] == 2  # one ICITEM query per batch found the retired SKU
    prefix = f"storebridge:{store}:"
    ours = [r for r in pair.rows("OEORDH") if r["REFERENCE"].startswith(prefix)]
    assert len(ours) == len({r["REFERENCE"] for r in ours}) == len(good)
    receipts = [r for r in pair.rows("ARBTA") if r["BATCHDESC"].startswith(prefix)]
    assert len(receipts) == len({r["BATCHDESC"] for r in receipts}) > 0
    assert by_resource(run)["POST OE/OEOrders"] == len(good)  # one request per order


@pytest.mark.parametrize("store", STORES)
def test_sage_calls_per_order(scenario: dict[str, Any], store: str) -> None:
    run = scenario[store]["o2c"]
    calls = by_resource(run)
    total = sum(calls.values())
    odbc = run["counters"].get("sage_odbc_queries", 0)
    figures = {
        "store": store,
        "orders_read": run["read"],
        "orders_entered": run["created"],
        "web_api_requests": dict(sorted(calls.items())),
        "web_api_per_order": round(total / run["created"], 3),
        "odbc_queries": odbc,
        "batches": run["batches"],
    }
    print(f"order-to-cash backfill, Sage 300 calls: {figures}")  # the figure the lead reports
    assert not any(k.startswith("GET") for k in calls)  # look-ups go over ODBC, not the API
    assert odbc <= 6 * run["batches"]  # per batch: items, references, e-mails (chunked)
    receipts = calls["POST AR/ARReceiptAndAdjustmentBatches"]
    customers_created = calls["POST AR/ARCustomers"]
    assert total == run["created"] + receipts + customers_created + calls["PATCH AR/ARCustomers"]


@pytest.mark.parametrize("store", STORES)
def test_customers_link_by_email_and_never_duplicate(scenario: dict[str, Any], store: str) -> None:
    pair, run = scenario["pair"], scenario[store]["customers"]
    counters = run["counters"]
    linked = counters.get("customers_matched", 0) + counters.get("customers_reused", 0)
    assert linked + counters.get("customers_created", 0) == run["read"] - 1
    assert run["dead_lettered"] == 1  # the e-mail two Sage customers hold
    assert "matches 2 Sage 300 customers" in run["dead_letters"][0]["reason"]
    if store == STORES[0]:  # Sage's own customers are bound, the others created
        assert counters.get("customers_matched") == pair.sandbox.world.config.crm_known_customers
    else:  # the same shoppers in the second store: linked to the customers the first created
        assert counters.get("customers_created", 0) == 0
    emails = Counter(r["EMAIL2"].lower() for r in pair.rows("ARCUS") if r["EMAIL2"])
    assert max(emails.values()) == 2  # only the two Sage had before storebridge
    price_lists = {r["PRICELIST"] for r in pair.rows("ICPRIC")}
    assert {r["PRICLIST"] for r in pair.rows("ARCUS")} <= price_lists  # new ones' list exists


@pytest.mark.parametrize("store", STORES)
def test_the_catalogue_reaches_the_store(scenario: dict[str, Any], store: str) -> None:
    run = scenario[store]["catalog"]
    assert run["dead_lettered"] == 0, run["dead_letters"][:3]
    # one product per catalogue product (sizes are its variants), each already in the store
    assert run["read"] == len(scenario["pair"].sandbox.world.products)
    assert run["created"] + run["updated"] + run["unchanged"] == run["read"]


@pytest.mark.parametrize("store", STORES)
def test_fulfilment_writes_nothing_back_of_what_order_to_cash_wrote(
    scenario: dict[str, Any], store: str
) -> None:
    run = scenario[store]["fulfilment"]
    assert run["unchanged"] == run["read"] == scenario[store]["o2c"]["created"]
    assert writes(run, store) == 0


@pytest.mark.parametrize("store", STORES)
def test_a_shipment_in_sage_reaches_the_store_once(scenario: dict[str, Any], store: str) -> None:
    pair, shipped = scenario["pair"], scenario[store]["shipped"]
    again = scenario[store]["shipped_again"]
    assert (shipped["updated"], shipped["dead_lettered"]) == (1, 0), shipped["dead_letters"]
    assert TRACKING[store] in pair.store_text(store)
    assert (again["created"], again["updated"]) == (0, 0)
    assert writes(again, store) == 0


def test_a_payment_captured_after_entry_becomes_one_receipt(scenario: dict[str, Any]) -> None:
    out = scenario["shift4shop"]
    capture, again = out["capture"], out["capture_again"]
    assert (capture["updated"], capture["dead_lettered"]) == (1, 0), capture["dead_letters"]
    assert by_resource(capture)["POST AR/ARReceiptAndAdjustmentBatches"] == 1
    assert writes(capture) == 1  # the receipt: the order itself is not written again
    assert (again["updated"], again["unchanged"]) == (0, 1)
    assert writes(again) == 0
    key = f"storebridge:shift4shop:{out['captured']}-"
    receipts = [r for r in scenario["pair"].rows("ARBTA") if r["BATCHDESC"].startswith(key)]
    assert len(receipts) == 1


def test_a_line_changed_after_entry_is_a_dead_letter_saying_what_differs(
    scenario: dict[str, Any],
) -> None:
    run = scenario["shift4shop"]["edit"]
    assert run["dead_lettered"] == 1
    letter = run.dead_letter(str(scenario["shift4shop"]["edited"]))
    assert letter["error"] == "OrderChangedError"
    assert "cannot be changed through the Web API" in letter["reason"]
    assert "where the store has" in letter["reason"]
    assert writes(run) == 0


# --- faults -------------------------------------------------------------------------------------
def sage_rows(pair: SagePair) -> dict[str, dict[Any, dict[str, Any]]]:
    """What storebridge wrote to the company, keyed by its own keys (customer numbers, order
    and payment references), generated numbers named by the reference they belong to."""
    orders = pair.rows("OEORDH")
    by_uniq = {Decimal(str(r["ORDUNIQ"])): r["REFERENCE"] for r in orders}
    by_number = {r["ORDNUMBER"]: r["REFERENCE"] for r in orders}
    columns = {
        "ARCUS": ("NAMECUST", "EMAIL2", "TEXTSTRE1", "NAMECITY", "CODECTRY", "IDGRP"),
        "OEORDH": ("CUSTOMER", "PONUMBER", "ORDDATE", "INVNETWTX", "ORDLINES"),
        "OEORDD": ("LINETYPE", "ITEM", "MISCCHARGE", "QTYORDERED", "PRIUNTPRC", "EXTINVMISC"),
        "ARBTA": ("CNTENTER", "AMTENTER", "IDBANK"),
        "ARTCR": ("IDCUST", "AMTRMIT", "RMITTYPE", "IDINVCMTCH"),
    }
    keys = {
        "ARCUS": lambda r: r["IDCUST"],
        "OEORDH": lambda r: r["REFERENCE"],
        "OEORDD": lambda r: (by_uniq[Decimal(str(r["ORDUNIQ"]))], r["LINENUM"]),
        "ARBTA": lambda r: r["BATCHDESC"],
        "ARTCR": lambda r: r["TXTRMITREF"],
    }
    out: dict[str, dict[Any, dict[str, Any]]] = {}
    for table, cols in columns.items():
        rows = pair.rows(table)
        keyed = {}
        for r in rows:
            values = {c: r[c] for c in cols}
            if table == "ARTCR":
                values["IDINVCMTCH"] = by_number.get(r["IDINVCMTCH"], r["IDINVCMTCH"])
            if table == "OEORDH":
                values["ORDDATE"] = str(values["ORDDATE"])
            keyed[keys[table](r)] = values
        assert len(keyed) == len(rows), f"duplicate {table} rows"
        out[table] = keyed
    return out


@pytest.fixture(scope="module")
def fault_runs(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    results: dict[str, Any] = {}
    try:
        for name, faults in (("clean", FaultConfig()), ("faulty", FAULTS)):
            pair = SagePair(tmp_path_factory.mktemp(f"sage300-{name}"), mp, ("shift4shop",))
            # one pseudonymisation key for both, so guests get the same customer numbers
            pair.state().ensure_meta(PSEUDONYM_KEY, SHARED_KEY)
            for slug in ("shift4shop", SAGE):
                pair.sandbox.emulator(slug).set_faults(faults)
            window = {"source": "shift4shop", "target": SAGE, "window_start": START}
            first = measured(order_to_cash, pair, **window, window_end=END)
            injected = dict(pair.sage.fault_counts)  # the next run resets the counters
            second = measured(order_to_cash, pair, **window, window_end=END)
            results[name] = {
                "rows": sage_rows(pair),
                "first": first,
                "second": second,
                "injected": injected,
            }
            pair.stop()
        yield results
    finally:
        mp.undo()


def test_faults_were_really_injected(fault_runs: dict[str, Any]) -> None:
    injected = fault_runs["faulty"]["injected"]
    assert injected.get("server_error", 0) > 0
    assert injected.get("server_error_after_apply", 0) > 0
    # applied writes whose answer was lost, found again by their own keys
    assert fault_runs["faulty"]["first"]["counters"].get("lost_answers", 0) > 0


def test_no_sage_record_is_written_twice_and_the_rows_equal_a_clean_runs(
    fault_runs: dict[str, Any],
) -> None:
    clean, faulty = fault_runs["clean"]["rows"], fault_runs["faulty"]["rows"]
    for table in clean:
        assert faulty[table] == clean[table], f"{table} differs under faults"


def test_the_outcome_under_faults_is_a_clean_runs(fault_runs: dict[str, Any]) -> None:
    clean, faulty = fault_runs["clean"], fault_runs["faulty"]
    for key in ("read", "created", "dead_lettered"):
        assert faulty["first"][key] == clean["first"][key], key
    assert faulty["second"]["created"] == 0
    assert faulty["second"]["unchanged"] == clean["first"]["created"]
    calls = by_resource(faulty["first"])
    print(
        "order-to-cash under 20% 5xx, Sage 300 requests per order entered: "
        f"{round(sum(calls.values()) / clean['first']['created'], 3)} {dict(sorted(calls.items()))}"
    )
