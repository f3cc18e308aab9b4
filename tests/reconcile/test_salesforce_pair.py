"""`storebridge reconcile` on Shift4Shop -> Salesforce: nothing on a clean synced pair; each
injected difference found once, by kind, with both figures.

One sandbox for the module. The pair is synced once (order-to-cash of the seeded window, then
inventory), reconciled (in this process and as the Prefect flow), then the sandbox is changed as
people would change it (emulator helpers): a Salesforce Order deleted, an OrderItem repriced, an
amount paid edited, a store order purged from the store, a store stock level changed by hand;
then reconciled again (plain, as the flow with a CSV, and through the CLI). Every output is
scanned for the seed's people (`tests/leaks.py`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from flows.reconcile.flow import reconcile
from flows.reconcile.report import EVENT
from sandbox.seed import NOT_COMPLETED
from tests.leaks import Scanner, prefect_snapshot, scan_prefect, seed_needles
from tests.reconcile.scenario import SINCE, STORE, UNTIL, Synced, found, row

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
SF = "salesforce"
runner = CliRunner()


def _flow(**params: Any) -> Any:
    return reconcile(source=STORE, target=SF, since=SINCE, until=UNTIL, return_state=True, **params)


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    workdir = tmp_path_factory.mktemp("reconcile-sf")
    pair = Synced(workdir, mp, SF)
    out: dict[str, Any] = {"pair": pair, "workdir": workdir}
    out["orders"], out["stock"] = pair.orders(), pair.stock()
    out["clean"] = pair.reconcile()
    out["clean_run"] = _flow()

    org = pair.back_office
    with org.lock:
        records = org.records()
        orders = sorted(records["Order"], key=lambda r: r["Storebridge_Id__c"])
        deleted, repriced, paid, purged = orders[10], orders[20], orders[30], orders[40]
        org.dml.update("Order", deleted["Id"], {"Status": "Draft"})  # Activated: no delete
        org.dml.delete("Order", deleted["Id"])
        item = next(i for i in records["OrderItem"] if i["OrderId"] == repriced["Id"])
        org.dml.update("Order", repriced["Id"], {"Status": "Draft"})
        org.dml.update("OrderItem", item["Id"], {"UnitPrice": item["UnitPrice"] + 5})
        org.dml.update("Order", paid["Id"], {"Amount_Paid__c": 1})
    pair.drop_store_order(int(purged["Storebridge_Id__c"].rsplit(":", 1)[1]))
    product = pair.simple_product()
    pair.store.set_stock(product["SKUInfo"]["CatalogID"], product["SKUInfo"]["Stock"] + 3)
    out["injected"] = {
        "deleted": deleted,
        "repriced": repriced,
        "item": item,
        "paid": paid,
        "purged": purged,
        "sku": product["SKUInfo"]["SKU"],
    }
    out["after"] = pair.reconcile()
    out["csv"] = workdir / "flow-differences.csv"
    out["after_run"] = _flow(csv=str(out["csv"]))
    yield out
    pair.stop()
    mp.undo()


def test_a_clean_synced_pair_reports_no_difference(scenario: dict[str, Any]) -> None:
    clean, world = scenario["clean"], scenario["pair"].sandbox.world
    assert not clean.differs, clean.differences.to_string()
    assert set(clean.counts.values()) == {0}
    placed = [o for o in world.orders if o.status_id != NOT_COMPLETED]
    figures = clean.figures
    # every placed order is read (the unreadable ones as such); those order-to-cash could not
    # load are known by their dead letters, every other one is held by Salesforce
    assert figures["store_orders"] + figures["store_orders_unreadable"] == len(placed)
    assert figures["known_dead_letters"] == scenario["orders"]["dead_lettered"]
    assert figures["back_office_orders"] == scenario["orders"]["created"]
    assert figures["skus_compared"] == scenario["stock"]["created"]
    assert clean.stock_compared


def test_each_injected_difference_is_found_once(scenario: dict[str, Any]) -> None:
    after, injected = scenario["after"], scenario["injected"]
    key = {name: injected[name]["Storebridge_Id__c"] for name in ("deleted", "repriced", "paid")}
    purged = injected["purged"]["Storebridge_Id__c"]
    assert found(after) == {
        ("missing_in_back_office", key["deleted"]),
        ("missing_in_store", purged),
        ("total", key["repriced"]),
        ("paid", key["paid"]),
        ("stock", injected["sku"]),
    }
    assert after.counts == {
        "missing_in_back_office": 1,
        "missing_in_store": 1,
        "total": 1,
        "lines": 0,
        "paid": 1,
        "stock": 1,
    }
    total = row(after, "total", key["repriced"])
    quantity = Decimal(str(injected["item"]["Quantity"]))
    assert total["delta"] == (-5 * quantity).quantize(Decimal("0.01"))
    assert total["target_id"] == injected["repriced"]["Id"]
    paid = row(after, "paid", key["paid"])
    assert paid["back_office"] == Decimal("1.00")
    assert paid["store"] == Decimal(str(injected["paid"]["Amount_Paid__c"])).quantize(
        Decimal("0.01")
    )
    gone = row(after, "missing_in_store", purged)
    assert gone["target_id"] == injected["purged"]["Id"]
    assert row(after, "stock", injected["sku"])["delta"] == 3
    assert row(after, "missing_in_back_office", key["deleted"])["target_id"] is None


def test_the_flow_publishes_a_table_and_raises_an_event_only_when_something_differs(
    scenario: dict[str, Any],
) -> None:
    clean_run, after_run = scenario["clean_run"], scenario["after_run"]
    assert clean_run.name == "Completed"
    assert after_run.name == "Completed with differences"
    summary = after_run.result()
    assert summary["differences"] == 5
    assert summary["counts"]["total"] == 1
    runs = {str(s.state_details.flow_run_id) for s in (clean_run, after_run)}
    snap = prefect_snapshot(runs)
    differences = [e for e in snap.events if e.event == EVENT]
    assert len(differences) == 1, [e.event for e in snap.events]
    event = differences[0]
    assert event.resource.id == "storebridge.pair.shift4shop-salesforce"
    related = {r.id for r in event.related}
    assert f"prefect.flow-run.{after_run.state_details.flow_run_id}" in related
    assert event.payload["counts"] == summary["counts"]
    assert set(event.payload) == {"since", "until", "differences", "counts"}
    tables = {
        str(a.flow_run_id): a for a in snap.artifacts if a.key == "reconcile-shift4shop-salesforce"
    }
    assert len(tables) == 2
    clean_rows = json.loads(tables[str(clean_run.state_details.flow_run_id)].data)
    assert {r["count"] for r in clean_rows} == {"0"}
    after_rows = json.loads(tables[str(after_run.state_details.flow_run_id)].data)
    assert sorted(r["kind"] for r in after_rows) == sorted(k for k, _ in found(scenario["after"]))
    with scenario["csv"].open() as f:
        assert len(list(csv.DictReader(f))) == 5
    scanner = Scanner(seed_needles(scenario["pair"].sandbox.world))
    scan_prefect(scanner, snap)
    assert not scanner.hits, scanner.report()


def test_the_cli_prints_counts_and_a_table_and_writes_the_csv(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "differences.csv"
    args = ["reconcile", "--source", STORE, "--target", SF]
    args += ["--since", SINCE.isoformat(), "--until", UNTIL.isoformat(), "--csv", str(path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "missing_in_back_office      1" in text
    assert "lines                       0" in text
    assert "all                         5" in text
    assert scenario["injected"]["sku"] in text
    assert f"wrote 5 difference(s) to {path}" in text
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert {(r["kind"], r["record"]) for r in rows} == found(scenario["after"])
    strict = runner.invoke(app, [*args[:-2], "--json", "--strict"])
    assert strict.exit_code == 3
    body = json.loads(strict.output)
    assert body["counts"]["paid"] == 1
    assert len(body["rows"]) == 5
    scanner = Scanner(seed_needles(scenario["pair"].sandbox.world))
    for where, value in (("cli", text), ("json", strict.output), ("csv", path.read_text())):
        scanner.scan("output", where, value)
    assert not scanner.hits, scanner.report()
