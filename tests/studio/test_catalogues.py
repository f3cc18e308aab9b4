"""Field catalogues: the committed YAML agrees with the emulators (one source of truth), every
shipped mapping has the catalogues it is checked against, and the loader finds objects by
name, alias and case."""

from __future__ import annotations

import pytest

from transforms.mapping import load_mapping
from transforms.studio import generate, shipped
from transforms.studio.catalogue import _committed, canonical, catalogue, objects, systems
from transforms.studio.check import source_catalogue, target_catalogue


def test_committed_catalogues_match_the_emulators() -> None:
    committed = {
        (c.system, c.object): {n: dict(f.__dict__) for n, f in c.fields.items()}
        for c in _committed().values()
    }
    assert generate.drift(committed) == []


def test_every_system_has_catalogues() -> None:
    assert systems() == [
        "bigcommerce",
        "canonical",
        "dynamics365",
        "sage300",
        "salesforce",
        "shift4shop",
    ]
    for system in ("bigcommerce", "dynamics365", "sage300", "salesforce", "shift4shop"):
        assert objects(system), system


@pytest.mark.parametrize("info", shipped.SHIPPED, ids=lambda s: s.name)
def test_every_shipped_mapping_has_its_catalogues(info: shipped.Shipped) -> None:
    m = load_mapping(info.name)
    target = target_catalogue(info, m, info.direction, info.model)
    source = source_catalogue(info, m, info.direction, info.model)
    assert target is not None
    assert target.fields
    assert source is not None
    assert source.fields


def test_lookup_by_alias_and_case() -> None:
    assert catalogue("dynamics365", "contacts").object == "contact"
    assert catalogue("sage300", "OEOrderDetails").object == "OrderDetails"
    assert catalogue("salesforce", "contact").object == "Contact"
    with pytest.raises(KeyError, match="known: "):
        catalogue("salesforce", "Opportunity")


def test_facts_of_each_source() -> None:
    contact = catalogue("salesforce", "Contact")
    assert contact.fields["LastName"].required
    assert contact.fields["LastName"].length == 80
    assert contact.fields["Name"].read_only
    item = catalogue("salesforce", "OrderItem")
    assert item.fields["OrderId"].create_only
    assert ["OrderId", "Order"] in [list(g) for g in item.required_one_of]
    order = catalogue("salesforce", "Order")
    assert "Delivered" in order.fields["Fulfillment_Status__c"].picklist
    # CDM: lengths, option sets and descriptions; the emulator: which columns, navigations
    d365 = catalogue("dynamics365", "contact")
    assert d365.fields["emailaddress1"].type == "email"
    assert d365.fields["emailaddress1"].length == 100
    assert d365.fields["lastname"].required
    assert "parentcustomerid_account@odata.bind" in d365.fields
    assert d365.fields["fullname"].read_only
    assert d365.fields["statecode"].picklist == (0, 1)
    # Sage: Web API names over the dictionary's columns; tables keep their codes
    sage = catalogue("sage300", "ARCustomers")
    assert sage.fields["CustomerName"].length == 60
    assert sage.fields["Status"].picklist == ("Inactive", "Active")
    assert sage.fields["CustomerNumber"].create_only
    assert catalogue("sage300", "OESHID").fields["LINETYPE"].picklist == (1, 2)
    assert catalogue("sage300", "OEOrders").operations == frozenset({"create"})
    # Shift4Shop: spec fields with the emulator's lengths; BigCommerce: the OpenAPI files
    assert catalogue("shift4shop", "Product").fields["SKUInfo.SKU"].length == 50
    assert catalogue("shift4shop", "Order").fields["OrderStatusID"].picklist[:2] == (1, 2)
    bc = catalogue("bigcommerce", "Customer")
    assert bc.fields["first_name"].required
    assert bc.fields["first_name"].length == 100


def test_canonical_catalogues_come_from_the_models() -> None:
    customer = canonical("Customer")
    assert customer.fields["email"].type == "email"
    assert customer.fields["billing_address.country"].length == 2
    assert customer.fields["billing_address"].model == "Address"
    assert "display_name" in customer.fields
    order = canonical("Order")
    assert order.fields["status"].picklist[0] == "pending"
    assert order.fields["total"].model == "Money"
    assert order.fields["placed_at"].required


def test_cli_compares_the_catalogues_with_the_emulators() -> None:
    from typer.testing import CliRunner

    from deployments.cli import app

    result = CliRunner().invoke(app, ["map", "catalogues"])
    assert result.exit_code == 0, result.output
    assert "0 differences from the emulators" in result.output
