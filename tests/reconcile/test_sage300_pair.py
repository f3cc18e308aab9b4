"""`storebridge reconcile` on Shift4Shop -> Sage 300 (read over ODBC): nothing on a clean synced
pair; each injected difference found once.

One sandbox for the module: synced once (order-to-cash, then inventory), reconciled, then
changed as a Sage user would (an order deleted, an order total and an order line changed in the
company database, a prepayment's amount edited), a store order purged from the store, the stock
synced again (the deleted order released what it had committed), and an item's on-hand adjusted
in Sage; then reconciled again. No Prefect: the comparison runs as plain calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.reconcile.scenario import STORE, Synced, found, row

SAGE = "sage300"


def _plain(value: Any) -> Any:
    return value.rstrip() if isinstance(value, str) else value


def _key(header: dict[str, Any]) -> str:
    """The store order's record key of an OEORDH row (REFERENCE storebridge:<store>:<id>)."""
    return f"{STORE}:order:{_plain(header['REFERENCE']).rsplit(':', 1)[1]}"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    pair = Synced(tmp_path_factory.mktemp("reconcile-sage"), mp, SAGE)
    out: dict[str, Any] = {"pair": pair}
    out["orders"], out["stock"] = pair.orders(), pair.stock()
    out["clean"] = pair.reconcile()

    sage = pair.back_office
    headers = sorted(sage.rows("OEORDH"), key=lambda h: h["ORDUNIQ"])
    receipts = {_plain(r["IDINVCMTCH"]) for r in sage.rows("ARTCR") if r["DOCTYPE"] == 4}
    deleted, retotalled, shortened, purged = headers[10], headers[20], headers[30], headers[40]
    paid = next(h for h in headers[50:] if _plain(h["ORDNUMBER"]) in receipts)
    sage.delete_order(_plain(deleted["ORDNUMBER"]))
    sage.execute(
        "UPDATE OEORDH SET INVNETWTX = INVNETWTX + 7 WHERE ORDUNIQ = ?", [retotalled["ORDUNIQ"]]
    )
    line = sage.rows("OEORDD", ORDUNIQ=shortened["ORDUNIQ"])[0]
    sage.execute(
        "DELETE FROM OEORDD WHERE ORDUNIQ = ? AND LINENUM = ?",
        [shortened["ORDUNIQ"], line["LINENUM"]],
    )
    sage.execute(
        "UPDATE ARTCR SET AMTRMIT = AMTRMIT + 2 WHERE IDINVCMTCH = ? AND DOCTYPE = 4",
        [paid["ORDNUMBER"]],
    )
    pair.drop_store_order(int(_key(purged).rsplit(":", 1)[1]))
    out["restock"] = pair.stock()  # the stock the deleted order had committed reaches the store
    sku = pair.simple_product()["SKUInfo"]["SKU"]
    level = sage.rows("ICILOC", ITEMNO=sku.upper())[0]
    live = sum(
        Decimal(str(level[c])) * sign
        for c, sign in (("QTYONHAND", 1), ("QTYRENOCST", 1), ("QTYADNOCST", 1), ("QTYSHNOCST", -1))
    )
    sage.set_stock(sku, _plain(level["LOCATION"]), live + 5)
    out["injected"] = {
        "deleted": _key(deleted),
        "retotalled": _key(retotalled),
        "shortened": _key(shortened),
        "paid": _key(paid),
        "purged": _key(purged),
        "sku": sku,
    }
    out["after"] = pair.reconcile()
    yield out
    pair.stop()
    mp.undo()


def test_a_clean_synced_pair_reports_no_difference(scenario: dict[str, Any]) -> None:
    clean = scenario["clean"]
    assert not clean.differs, clean.differences.to_string()
    assert clean.total_basis == "order"
    assert clean.paid_basis == "receipts"
    assert clean.figures["back_office_orders"] == scenario["orders"]["created"]
    assert clean.figures["known_dead_letters"] == scenario["orders"]["dead_lettered"]
    assert clean.figures["skus_compared"] > 0


def test_each_injected_difference_is_found_once(scenario: dict[str, Any]) -> None:
    after, injected = scenario["after"], scenario["injected"]
    assert found(after) == {
        ("missing_in_back_office", injected["deleted"]),
        ("missing_in_store", injected["purged"]),
        ("total", injected["retotalled"]),
        ("lines", injected["shortened"]),
        ("paid", injected["paid"]),
        ("stock", injected["sku"]),
    }
    assert row(after, "total", injected["retotalled"])["delta"] == Decimal("-7.00")
    assert row(after, "lines", injected["shortened"])["delta"] == 1
    assert row(after, "paid", injected["paid"])["delta"] == Decimal("-2.00")
    assert row(after, "stock", injected["sku"])["delta"] == -5
    assert row(after, "missing_in_store", injected["purged"])["target_number"].startswith("ORD")
