"""catalog end to end: Salesforce Product2, variants and standard prices → Shift4Shop products.

One scenario per module: the seeded catalogue is published twice (the second run writes
nothing); then the back office adds a product, reprices one and retires another, which one run
carries and the next one leaves alone; then it adds a size the store's product does not have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from flows.catalog import catalog
from tests.conftest import Pair
from tests.flows.sync_helpers import (
    POST_PRODUCTS,
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
NEW, REPRICED, RETIRED = "SB-PIN-900", "SB-MUG-002", "SB-CAP-003"
SIZED, NEW_SIZE = "SB-TEE-001", "SB-TEE-001-XXL"


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_server: None
) -> Iterator[dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("STOREBRIDGE_CATALOG_INITIAL_LOOKBACK_DAYS", "400")
    pair = Pair(tmp_path_factory.mktemp("catalog"), mp)
    out: dict[str, Any] = {"pair": pair}
    out["first"] = measured(catalog, pair)
    since = dt.datetime.fromisoformat(out["first"]["since"])
    out["second"] = measured(catalog, pair, window_start=since)  # the same records again
    out["products_before"] = len(store_records(pair, "Product"))

    with back_office_edit(pair) as org:
        org.add_product(NEW, "Enamel Pin #900", "7.50")
        org.set_price(REPRICED, "99.00")
        retired = sf_record(pair, "Product2", ProductCode=RETIRED)
        org.dml.update("Product2", retired["Id"], {"IsActive": False})
    out["changed"] = measured(catalog, pair)
    out["again"] = measured(catalog, pair)

    with back_office_edit(pair) as org:
        org.add_product(NEW_SIZE, "T-Shirt #001 - XXL", "36.00")
        size = sf_record(pair, "Product2", ProductCode=NEW_SIZE)
        org.dml.update(
            "Product2", size["Id"], {"Variant_Of__c": SIZED, "Variant_Option__c": "Size=XXL"}
        )
    out["new_size"] = measured(catalog, pair)
    yield out
    pair.stop()
    mp.undo()


def test_the_first_run_publishes_every_product(scenario: dict[str, Any]) -> None:
    pair, first = scenario["pair"], scenario["first"]
    world = pair.sandbox.world
    assert first["created"] == len(world.products)  # first written by storebridge
    assert first["dead_lettered"] == 0
    assert first.calls(STORE, PUT_PRODUCTS) == 1  # 100 products: one batch
    assert first.calls(STORE, PUT_OPTIONS) == sum(1 for p in world.products if p.variants)


def test_the_second_run_writes_nothing(scenario: dict[str, Any]) -> None:
    second = scenario["second"]
    assert second["read"] == scenario["first"]["read"]
    assert (second["created"], second["updated"]) == (0, 0)
    assert second.writes(STORE) == 0


def test_a_product_added_in_salesforce_is_created_in_the_store(scenario: dict[str, Any]) -> None:
    pair, changed = scenario["pair"], scenario["changed"]
    assert changed["created"] == 1
    assert changed.calls(STORE, POST_PRODUCTS) == 1
    assert len(store_records(pair, "Product")) == scenario["products_before"] + 1
    product = store_product(pair, NEW)
    assert product["SKUInfo"]["Name"] == "Enamel Pin #900"
    assert product["SKUInfo"]["Price"] == pytest.approx(7.50)
    assert product["Hide"] is False


def test_a_price_change_updates_the_store_product(scenario: dict[str, Any]) -> None:
    info = store_product(scenario["pair"], REPRICED)["SKUInfo"]
    assert info["Price"] == pytest.approx(99.00)
    assert info["RetailPrice"] == pytest.approx(99.00)


def test_a_deactivated_product_is_hidden(scenario: dict[str, Any]) -> None:
    assert store_product(scenario["pair"], RETIRED)["Hide"] is True
    assert store_product(scenario["pair"], REPRICED)["Hide"] is False


def test_the_changes_cost_one_run_and_then_nothing(scenario: dict[str, Any]) -> None:
    changed, again = scenario["changed"], scenario["again"]
    assert (changed["updated"], changed["dead_lettered"]) == (2, 0)
    # one PUT /Products per page read (the product and the price-book page), no variant call
    assert changed.calls(STORE, PUT_PRODUCTS) <= 2
    assert changed.calls(STORE, PUT_OPTIONS) == 0
    assert again["read"] >= 3
    assert (again["created"], again["updated"]) == (0, 0)
    assert again.writes(STORE) == 0


def test_a_variant_new_to_a_store_product_is_dead_lettered_naming_it(
    scenario: dict[str, Any],
) -> None:
    pair, run = scenario["pair"], scenario["new_size"]
    parent = sf_record(pair, "Product2", ProductCode=SIZED)
    letter = run.dead_letter(parent["Id"])
    assert letter["error"] == "RecordError"
    assert NEW_SIZE in letter["reason"]
    assert run["dead_lettered"] == 1
    options = store_product(pair, SIZED)["AdvancedOptionList"]
    assert NEW_SIZE not in {o["AdvancedOptionSufix"] for o in options}
    assert run.calls(STORE, POST_PRODUCTS) == 0  # never created as a product of its own


def test_ids_read_those_products_and_dead_letter_unknown_ones(scenario: dict[str, Any]) -> None:
    pair = scenario["pair"]
    repriced = sf_record(pair, "Product2", ProductCode=REPRICED)
    unknown = "01t000000000000AAA"
    run = measured(catalog, pair, ids=[repriced["Id"], unknown])
    assert (run["mode"], run["read"], run["unchanged"], run["dead_lettered"]) == ("ids", 2, 1, 1)
    letter = run.dead_letter(unknown)
    assert letter["error"] == "NotFoundError"
    assert unknown in letter["reason"]
    assert run.writes(STORE) == 0
