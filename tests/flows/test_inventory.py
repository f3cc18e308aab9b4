"""inventory end to end: Salesforce stock (the stock master) → what Shift4Shop may sell.

One scenario per module: the seeded levels are pushed twice (the second run writes nothing);
then the back office touches products without changing stock, changes a product's and a
variant's stock and stocks a SKU the store does not sell; then 150 levels change at once; then
a safety stock applies; then only one location of two counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from flows.catalog import catalog
from flows.inventory import inventory
from tests.conftest import Pair
from tests.flows.sync_helpers import (
    PUT_OPTIONS,
    PUT_PRODUCTS,
    STORE,
    back_office_edit,
    measured,
    sf_record,
    store_product,
    store_records,
)

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
PRODUCT, PARENT, VARIANT, ONLY_CRM = "SB-MUG-002", "SB-TEE-001", "SB-TEE-001-M", "SB-CRM-0001"
LOW, TWO_PLACES = "SB-BAG-004", "SB-CAP-003"
SAFETY = 5
NEW_SKUS = [f"SB-BLK-{n:03d}" for n in range(1, 71)]


def sellable(pair: Pair, sku: str, safety: int = 0) -> int:
    """What the store may sell of `sku` by the org's Product2 totals (all locations)."""
    p = sf_record(pair, "Product2", ProductCode=sku)
    return max(
        int(
            Decimal(str(p["Quantity_On_Hand__c"]))
            - Decimal(str(p["Quantity_Reserved__c"]))
            - safety
        ),
        0,
    )


def level(pair: Pair, sku: str, location: str) -> dict[str, Any]:
    return sf_record(pair, "Stock_Level__c", Storebridge_Id__c=f"{sku}@{location}")


def store_stock(pair: Pair, sku: str) -> int:
    return int(store_product(pair, sku)["SKUInfo"]["Stock"])


def wrong_stock(pair: Pair, skus: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """(store, org) units of every SKU (or of `skus`) whose store stock is not sellable."""
    found = {}
    for p in store_records(pair, "Product"):
        rows = [
            (o["AdvancedOptionSufix"], o["AdvancedOptionStock"]) for o in p["AdvancedOptionList"]
        ] or [(p["SKUInfo"]["SKU"], p["SKUInfo"]["Stock"])]
        for sku, stock in rows:
            if (skus is None or sku in skus) and stock != sellable(pair, sku):
                found[sku] = (stock, sellable(pair, sku))
    return found


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("STOREBRIDGE_INVENTORY_INITIAL_LOOKBACK_DAYS", "400")
    mp.setenv("STOREBRIDGE_CATALOG_INITIAL_LOOKBACK_DAYS", "400")
    pair = Pair(tmp_path_factory.mktemp("inventory"), mp)
    world = pair.sandbox.world
    out: dict[str, Any] = {"pair": pair}
    out["first"] = measured(inventory, pair)
    out["first_wrong"] = wrong_stock(pair)
    since = dt.datetime.fromisoformat(out["first"]["since"])
    out["second"] = measured(inventory, pair, window_start=since)  # the same records again

    with back_office_edit(pair) as org:  # edits that leave every level as it was
        for sku in (PRODUCT, PARENT):
            org.dml.update(
                "Product2",
                sf_record(pair, "Product2", ProductCode=sku)["Id"],
                {"Description": "Now in recycled packaging"},
            )
    out["touched"] = measured(inventory, pair)

    with back_office_edit(pair) as org:
        org.set_stock(PRODUCT, 42)
        org.set_stock(VARIANT, 7)
        org.add_product(ONLY_CRM, "Sold by phone only", "5.00")
        org.set_stock(ONLY_CRM, 10)
    out["changed"] = measured(inventory, pair)
    out["changed_stock"] = (store_stock(pair, PRODUCT), sellable(pair, PRODUCT))
    out["variant_stock"] = {
        o["AdvancedOptionSufix"]: o["AdvancedOptionStock"]
        for o in store_product(pair, PARENT)["AdvancedOptionList"]
    }

    with back_office_edit(pair) as org:  # 70 more products, so 150 are sold without variants
        for sku in NEW_SKUS:
            org.add_product(sku, f"Sticker {sku}", "2.00")
    measured(catalog, pair)
    measured(inventory, pair)
    simple = [p.sku for p in world.products if not p.variants] + NEW_SKUS
    with back_office_edit(pair) as org:
        for n, sku in enumerate(simple):
            org.set_stock(sku, 200 + n)
    out["simple"] = simple
    out["bulk"] = measured(inventory, pair)
    out["bulk_wrong"] = wrong_stock(pair, simple)

    mp.setenv("STOREBRIDGE_SALESFORCE_SAFETY_STOCK", str(SAFETY))
    with back_office_edit(pair) as org:
        org.set_stock(PRODUCT, 20)
        org.set_stock(LOW, 3)
    out["safety"] = measured(inventory, pair)
    out["safety_stock"] = {
        sku: (store_stock(pair, sku), sellable(pair, sku)) for sku in (PRODUCT, LOW)
    }
    mp.delenv("STOREBRIDGE_SALESFORCE_SAFETY_STOCK")

    # No setting switches the stock source to Stock_Level__c rows (only the YAML file's
    # `source: object`), so the configuration is patched for this run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STOREBRIDGE_SALESFORCE_STOCK_SOURCE", "object")
        patch.setenv("STOREBRIDGE_SALESFORCE_STOCK_LOCATIONS", '["MAIN"]')
        with back_office_edit(pair) as org:
            org.set_stock(TWO_PLACES, 11, "MAIN")
            org.set_stock(TWO_PLACES, 50, "EAST")
        out["main_only"] = measured(inventory, pair)
    out["two_places"] = store_stock(pair, TWO_PLACES)
    yield out
    pair.stop()
    mp.undo()


def test_the_first_run_pushes_every_sellable_sku(scenario: dict[str, Any]) -> None:
    pair, first = scenario["pair"], scenario["first"]
    world = pair.sandbox.world
    parents = [p for p in world.products if p.variants]
    variants = [v for p in parents for v in p.variants]
    assert first["created"] == len(world.products) - len(parents) + len(variants)
    assert first["skipped"] == len(parents)  # sold as variants: the variants carry the stock
    assert first.calls(STORE, PUT_OPTIONS) == len(parents)  # one call per parent's variants
    assert scenario["first_wrong"] == {}


def test_the_second_run_writes_nothing(scenario: dict[str, Any]) -> None:
    second = scenario["second"]
    assert second["read"] == scenario["first"]["read"]
    assert (second["created"], second["updated"]) == (0, 0)
    assert second.writes(STORE) == 0


def test_unchanged_levels_cost_no_store_call(scenario: dict[str, Any]) -> None:
    touched = scenario["touched"]
    assert (touched["read"], touched["unchanged"], touched["skipped"]) == (2, 1, 1)
    assert touched.calls(STORE) == 0


def test_a_stock_change_reaches_the_store_in_one_run(scenario: dict[str, Any]) -> None:
    changed = scenario["changed"]
    stock, expected = scenario["changed_stock"]
    assert stock == expected > 0
    assert changed.calls(STORE, PUT_PRODUCTS) == 1


def test_a_variant_gets_its_advanced_option_stock(scenario: dict[str, Any]) -> None:
    pair, changed = scenario["pair"], scenario["changed"]
    assert scenario["variant_stock"][VARIANT] == sellable(pair, VARIANT)
    assert changed.calls(STORE, PUT_OPTIONS) == 1
    others = {
        o.sku: o.stock
        for p in pair.sandbox.world.products
        if p.sku == PARENT
        for o in p.variants
        if o.sku != VARIANT
    }
    assert {k: v for k, v in scenario["variant_stock"].items() if k != VARIANT} == others


def test_a_sku_the_store_does_not_sell_is_skipped(scenario: dict[str, Any]) -> None:
    changed = scenario["changed"]
    assert changed["updated"] == 2  # the product and the variant, nothing for ONLY_CRM
    assert changed["skipped"] == 2  # ONLY_CRM, and the touched parent read again
    assert changed["dead_lettered"] == 0
    assert changed.writes(STORE) == 2


def test_150_changed_levels_cost_two_batches(scenario: dict[str, Any]) -> None:
    bulk, simple = scenario["bulk"], scenario["simple"]
    assert len(simple) == 150
    assert bulk["updated"] == 150
    assert bulk.calls(STORE, PUT_PRODUCTS) == 2  # the store takes at most 100 per call
    assert bulk.writes(STORE) == 2
    assert bulk["counters"]["stock_calls"] == 2
    assert scenario["bulk_wrong"] == {}


def test_the_safety_stock_is_kept_back_and_sellable_never_below_zero(
    scenario: dict[str, Any],
) -> None:
    safety = scenario["safety"]
    assert safety["dead_lettered"] == 0
    stock, available = scenario["safety_stock"][PRODUCT]
    assert stock == available - SAFETY > 0
    stock, available = scenario["safety_stock"][LOW]
    assert available < SAFETY
    assert stock == 0


def test_only_the_configured_locations_count(scenario: dict[str, Any]) -> None:
    pair, run = scenario["pair"], scenario["main_only"]
    main = level(pair, TWO_PLACES, "MAIN")
    assert level(pair, TWO_PLACES, "EAST")["On_Hand__c"] == 50
    assert run["dead_lettered"] == 0
    assert scenario["two_places"] == max(11 - int(main["Reserved__c"] or 0), 0)


def test_ids_read_those_skus_and_dead_letter_unknown_ones(scenario: dict[str, Any]) -> None:
    pair = scenario["pair"]
    product = sf_record(pair, "Product2", ProductCode="SB-TEE-001-XS")  # untouched since
    unknown = "01t000000000000AAA"
    run = measured(inventory, pair, ids=[product["Id"], unknown])
    assert (run["mode"], run["read"], run["unchanged"], run["dead_lettered"]) == ("ids", 2, 1, 1)
    letter = run.dead_letter(unknown)
    assert letter["error"] == "NotFoundError"
    assert unknown in letter["reason"]
    assert run.writes(STORE) == 0


def test_locations_without_a_per_location_source_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Product2 fields hold one total: a location filter on it would silently count all."""
    from connectors.http import ConfigError
    from flows.ports import Context
    from flows.systems.salesforce.inventory import StockSource
    from flows.systems.salesforce.session import Session

    class Settings:
        safety_stock = None
        stock_locations: ClassVar[list[str]] = ["EAST"]
        stock_source = None

    class Client:
        settings = Settings()

    session = Session.__new__(Session)
    session.client = Client()  # type: ignore[assignment]
    with pytest.raises(ConfigError, match="STOREBRIDGE_SALESFORCE_STOCK_SOURCE=object"):
        StockSource(Context(None, "shift4shop", "inventory"), session)
