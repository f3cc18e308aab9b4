"""Golden-file and rule tests of the Dynamics 365 (Dataverse) → canonical decoders.

The rows are built the way the Web API returns them (`shared/api-specs/dynamics365/
wire-examples.json`: `@odata.etag`, GUID keys, `_<lookup>_value`, expanded navigation
properties) from columns of the CDM entity files; `test_dynamics365_mappings.py` checks every
column used here against the CDM extract. Expected canonical JSON sits in
`golden/dynamics365/`; regenerate after an intended change with
`UPDATE_GOLDEN=1 pytest tests/transforms/test_dynamics365_codec.py` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from transforms.canonical import Entity, OrderStatus
from transforms.dynamics365 import (
    CustomerCodec,
    DecodeError,
    FulfillmentCodec,
    decode_customer,
    decode_fulfillment,
    decode_product,
    decode_stock,
)

GOLDEN = Path(__file__).parent / "golden" / "dynamics365"

ACCOUNT = {
    "@odata.etag": 'W/"915244"',
    "accountid": "60c4e274-0d87-e711-80e5-00155db19e6d",
    "name": "Quinto Design Studio",
    "address1_line1": "1 Harbor Way",
    "address1_city": "Miami",
    "address1_stateorprovince": "FL",
    "address1_postalcode": "33132",
    "address1_country": "US",
}
CONTACT = {
    "@odata.etag": 'W/"72201545"',
    "contactid": "49b0be2e-d01c-ed11-b83e-000d3a572421",
    "firstname": "Kira",
    "lastname": "Quinto",
    "fullname": "Kira Quinto",
    "emailaddress1": "Kira.Quinto@Example.com",
    "telephone1": "+1 305 555 0101",
    "address1_line1": "99 Elm St",
    "address1_line2": "Apt 4",
    "address1_city": "Miami",
    "address1_stateorprovince": "FL",
    "address1_postalcode": "33101",
    "address1_country": "United States",
    "address1_composite": "99 Elm St\r\nApt 4\r\nMiami, FL 33101\r\nUnited States",
    "modifiedon": "2026-11-20T14:05:09Z",
    "storebridge_id": "shift4shop.customer.26",
    "_parentcustomerid_value": ACCOUNT["accountid"],
    "parentcustomerid_account": ACCOUNT,
}
ORDER = {
    "@odata.etag": 'W/"470867"',
    "salesorderid": "0f5c3f7a-8b1e-ef11-9f89-000d3a5a1b2c",
    "name": "9693",
    "ordernumber": "ORD-01001-Z8Q1",
    "storebridge_id": "shift4shop.order.1001",
    "statecode": 3,
    "statuscode": 100002,
    "storebridge_carrier": "UPS",
    "storebridge_trackingnumber": "1Z999AA10123456784",
    "storebridge_shippeddate": "2026-11-21",
    "modifiedon": "2026-11-21T18:00:00Z",
}
DETAILS = [
    {
        "salesorderdetailid": "a1b2c3d4-0000-ef11-9f89-000d3a5a0001",
        "storebridge_id": "shift4shop.order_line.1001-1",
        "quantity": Decimal("2"),
        "quantityshipped": Decimal("2"),
        "_productid_value": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e1",
        "productid": {"productid": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e1", "productnumber": "SB-M"},
    },
    {
        "salesorderdetailid": "a1b2c3d4-0000-ef11-9f89-000d3a5a0002",
        "storebridge_id": "shift4shop.order_line.1001-2",
        "quantity": Decimal("1"),
        "quantityshipped": Decimal("0"),
        "_productid_value": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e2",
    },
]
PRODUCT = {
    "productid": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e0",
    "productnumber": "SB-TEE-001",
    "name": "Tee",
    "description": "Soft cotton",
    "statecode": 0,
    "statuscode": 1,
    "productstructure": 2,
    "stockweight": Decimal("0.25"),
    "defaultuomid": {"uomid": "f1f1f1f1-0000-ef11-9f89-000d3a5a00f1", "name": "Primary Unit"},
    "modifiedon": "2026-11-01T06:30:00Z",
}
VARIANTS = [
    {
        "productid": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e3",
        "productnumber": "SB-TEE-001-XS",
        "name": "Tee XS",
        "size": "XS",
        "statecode": 0,
        "_parentproductid_value": PRODUCT["productid"],
    },
    {
        "productid": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e4",
        "productnumber": "SB-TEE-001-XL",
        "name": "Tee XL",
        "size": "Size=XL",
        "statecode": 1,
        "_parentproductid_value": PRODUCT["productid"],
    },
]
PRICE = {
    "productpricelevelid": "b0b0b0b0-0000-ef11-9f89-000d3a5a00b0",
    "amount": Decimal("19.90"),
    "transactioncurrencyid": {"isocurrencycode": "USD"},
}
WAREHOUSE_ROWS = [
    {
        "msdyn_productinventoryid": "c0c0c0c0-0000-ef11-9f89-000d3a5a00c1",
        "_msdyn_product_value": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e3",
        "msdyn_Product": {
            "productid": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e3",
            "productnumber": "SB-TEE-001-XS",
        },
        "_msdyn_warehouse_value": "d0d0d0d0-0000-ef11-9f89-000d3a5a00d1",
        "msdyn_Warehouse": {"msdyn_name": "MAIN"},
        "msdyn_qtyonhand": Decimal("10"),
        "msdyn_qtyallocated": Decimal("3"),
        "msdyn_qtyavailable": Decimal("7"),
    },
    {
        "msdyn_productinventoryid": "c0c0c0c0-0000-ef11-9f89-000d3a5a00c2",
        "_msdyn_product_value": "e1e1e1e1-0000-ef11-9f89-000d3a5a00e3",
        "_msdyn_warehouse_value": "d0d0d0d0-0000-ef11-9f89-000d3a5a00d2",
        "msdyn_qtyonhand": 4.5,  # a float from a careless parser: taken by its exact digits
        "msdyn_qtyallocated": None,
    },
]


def check_golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text())


def test_customer_matches_golden() -> None:
    customer = decode_customer(CONTACT)
    check_golden("customer_contact.json", customer.model_dump(mode="json"))
    assert customer.email == "kira.quinto@example.com"
    assert customer.company == "Quinto Design Studio"  # the account is a company
    assert customer.billing_address is not None
    assert customer.billing_address.country == "US"  # "United States" through tables.countries
    assert customer.billing_address.postal_code == "33101"  # the contact's own, not the account's


def test_a_persons_account_is_not_a_company() -> None:
    own = {**ACCOUNT, "name": "kira quinto"}
    assert decode_customer({**CONTACT, "parentcustomerid_account": own}).company is None


def test_a_contact_without_address_takes_its_accounts() -> None:
    bare = {k: v for k, v in CONTACT.items() if not k.startswith("address1_")}
    customer = decode_customer(bare)
    assert customer.billing_address is not None
    assert (customer.billing_address.line1, customer.billing_address.postal_code) == (
        "1 Harbor Way",
        "33132",
    )


def test_the_composite_is_read_when_the_parts_are_empty() -> None:
    composite = {k: v for k, v in CONTACT.items() if not k.startswith("address1_")}
    composite["address1_composite"] = "5 Rue Cler\r\nParis, IDF 75007\r\nFrance"
    customer = decode_customer({**composite, "parentcustomerid_account": None})
    address = customer.billing_address
    assert address is not None
    assert (address.line1, address.city, address.region, address.postal_code, address.country) == (
        "5 Rue Cler",
        "Paris",
        "IDF",
        "75007",
        "FR",
    )


def test_a_single_line_street_typed_in_the_crm_is_split() -> None:
    row = {k: v for k, v in CONTACT.items() if not k.startswith("address1_")}
    row["address1_line1"] = "4 Privet Drive Apt 2, Little Whinging, CA 90210-1234"
    address = decode_customer({**row, "parentcustomerid_account": None}).billing_address
    assert address is not None
    assert (address.line1, address.city, address.region, address.postal_code) == (
        "4 Privet Drive Apt 2",
        "Little Whinging",
        "CA",
        "90210-1234",
    )


def test_fulfillment_matches_golden() -> None:
    fulfillment = decode_fulfillment(
        ORDER, DETAILS, skus={"e1e1e1e1-0000-ef11-9f89-000d3a5a00e2": "SB-CAP"}
    )
    check_golden("fulfillment_salesorder.json", fulfillment.model_dump(mode="json"))
    assert fulfillment.order.key == "shift4shop:order:1001"
    assert fulfillment.status is OrderStatus.PARTIALLY_SHIPPED  # Fulfilled / Partial
    assert fulfillment.source_status == "Fulfilled / Partial"
    shipment = fulfillment.shipments[0]
    assert [(ln.sku, ln.quantity) for ln in shipment.lines] == [("SB-M", Decimal(2))]
    assert shipment.lines[0].line is not None
    assert shipment.lines[0].line.key == "shift4shop:order_line:1001-1"
    assert shipment.shipped_at == dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)  # a date: noon


def test_shipped_lines_say_more_than_an_active_order() -> None:
    active = {**ORDER, "statecode": 1, "statuscode": 3}  # Submitted / In Progress
    assert decode_fulfillment(active, DETAILS).status is OrderStatus.PARTIALLY_SHIPPED
    every = [{**d, "quantityshipped": d["quantity"]} for d in DETAILS]
    assert decode_fulfillment(active, every, skus={}).status is OrderStatus.SHIPPED
    assert decode_fulfillment(active).status is OrderStatus.PROCESSING
    bare = decode_fulfillment({**active, "storebridge_trackingnumber": None})
    assert bare.shipments == ()


def test_product_matches_golden() -> None:
    product = decode_product(
        PRODUCT, PRICE, variants=VARIANTS, variant_prices={"SB-TEE-001-XS": Decimal("17.50")}
    )
    check_golden("product_tee.json", product.model_dump(mode="json"))
    assert product.price is not None
    assert (product.price.amount, product.price.currency) == (Decimal("19.90"), "USD")
    assert [(v.sku, v.active, v.price.amount if v.price else None) for v in product.variants] == [
        ("SB-TEE-001-XS", True, Decimal("17.50")),
        ("SB-TEE-001-XL", False, None),  # Retired
    ]
    assert product.options == ("Size",)


def test_a_draft_product_without_a_price_is_inactive_and_unpriced() -> None:
    product = decode_product({**PRODUCT, "statecode": 2})
    assert (product.active, product.price) == (False, None)


def test_stock_matches_golden() -> None:
    stock = decode_stock(WAREHOUSE_ROWS, safety_stock=Decimal(2))
    check_golden("stock_tee_xs.json", stock.model_dump(mode="json"))
    assert stock.sku == "SB-TEE-001-XS"
    assert [lv.available for lv in stock.levels] == [Decimal(7), Decimal("4.5")]  # by location
    assert stock.sellable == Decimal(9)  # 11.5 - 2, whole units
    only_main = decode_stock(WAREHOUSE_ROWS, locations=["MAIN"])
    assert [lv.location for lv in only_main.levels] == ["MAIN"]


def test_no_stock_rows_is_zero_stock_of_the_product() -> None:
    stock = decode_stock([], product={"productid": "p-1", "productnumber": "SB-CAP"})
    assert (stock.sku, stock.levels, stock.sellable) == ("SB-CAP", (), Decimal(0))
    with pytest.raises(DecodeError, match=r"dynamics365:inventory:None: sku \(productnumber\)"):
        decode_stock([])


def test_errors_name_the_record_and_the_column_not_the_value() -> None:
    with pytest.raises(DecodeError) as err:
        decode_customer({**CONTACT, "emailaddress1": "kira at example"})
    text = str(err.value)
    assert text.startswith("dynamics365:customer:49b0be2e-d01c-ed11-b83e-000d3a572421: ")
    assert "email (emailaddress1)" in text
    assert "kira at example" not in text
    with pytest.raises(DecodeError) as err:
        decode_customer({**CONTACT, "address1_country": "Narnia"})
    assert "billing_address.country (address1_country)" in str(err.value)
    assert "Narnia" not in str(err.value)
    with pytest.raises(DecodeError, match=r"dynamics365:customer:None: contactid"):
        decode_customer({"firstname": "Kira"})


def test_an_order_that_is_not_ours_or_has_an_unknown_state_is_a_decode_error() -> None:
    with pytest.raises(
        DecodeError, match=r"dynamics365:fulfillment:o-1: storebridge_id .*not a store order"
    ):
        decode_fulfillment({"salesorderid": "o-1", "storebridge_id": "shift4shop.customer.26"})
    with pytest.raises(DecodeError, match=r"dynamics365:fulfillment:o-2: storebridge_id"):
        decode_fulfillment({"salesorderid": "o-2"})
    with pytest.raises(DecodeError, match=r"o-3: .*status \(from ctx.state_status\): '3/7'"):
        decode_fulfillment({**ORDER, "salesorderid": "o-3", "statuscode": 7})
    with pytest.raises(DecodeError, match=r"order_details\[0\]: quantityshipped"):
        decode_fulfillment(ORDER, [{**DETAILS[0], "quantityshipped": "many"}])


def test_a_price_without_a_currency_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match=r"dynamics365:product:.*price \(transactioncurrencyid\)"):
        decode_product(PRODUCT, Decimal("19.90"))
    assert decode_product(PRODUCT, Decimal("19.90"), currency="EUR").price is not None


def test_written_payloads_decode_as_they_will_read_back() -> None:
    written = {k: v for k, v in CONTACT.items() if k != "contactid"}
    contact = CustomerCodec().decode_written(written, "49b0be2e-d01c-ed11-b83e-000d3a572421")
    assert contact is not None
    assert contact.ref.id == "49b0be2e-d01c-ed11-b83e-000d3a572421"
    assert CustomerCodec().decode_written({"emailaddress1": "not an address"}, "c-1") is None
    order = FulfillmentCodec().decode_written(
        {"storebridge_id": "shift4shop.order.1001", "statecode": 1, "statuscode": 3}, "o-9"
    )
    assert order is not None
    assert (order.status, order.ref.entity) == (OrderStatus.PROCESSING, Entity.FULFILLMENT)
    assert FulfillmentCodec().decode_written({"statecode": 1, "statuscode": 3}, "o-9") is None


def test_the_connectors_row_models_decode_like_the_dicts() -> None:
    from connectors.dynamics365 import models

    contact = models.Contact.model_validate(CONTACT)
    assert decode_customer(contact) == decode_customer(CONTACT)
    by_guid = [{k: v for k, v in d.items() if k != "productid"} for d in DETAILS]
    skus = {"e1e1e1e1-0000-ef11-9f89-000d3a5a00e1": "SB-M"}
    order = models.SalesOrder.model_validate({**ORDER, "order_details": by_guid})
    assert decode_fulfillment(order, skus=skus) == decode_fulfillment(ORDER, by_guid, skus=skus)
    plain = [
        {k: v for k, v in r.items() if not k.startswith("msdyn_") or "qty" in k}
        for r in WAREHOUSE_ROWS
    ]
    names = {"d0d0d0d0-0000-ef11-9f89-000d3a5a00d1": "MAIN"}
    stock = [
        models.ProductInventory.model_validate({**r, "msdyn_productinventoryid": "i"})
        for r in plain
    ]
    product = {"productid": "p", "productnumber": "SB-TEE-001-XS"}
    assert decode_stock(stock, product=product, warehouses=names) == decode_stock(
        plain, product=product, warehouses=names
    )
