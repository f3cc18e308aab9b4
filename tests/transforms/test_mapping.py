"""The declarative mapping engine and the shipped mapping files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from transforms.canonical import Address, Customer, ExternalRef, Money, OrderLine, OrderStatus
from transforms.mapping import FieldMapping, MappingError, apply, load_mapping, load_table, resolve


def mapping(fields: dict[str, Any], tables: dict[str, Any] | None = None) -> FieldMapping:
    return FieldMapping.model_validate(
        {"name": "t", "system": "crm", "object": "Thing", "fields": fields, "tables": tables or {}}
    )


CUSTOMER = Customer(
    ref=ExternalRef(system="shift4shop", entity="customer", id="26"),
    email="kira@example.com",
    first_name="Kira",
    last_name="Quinto",
    billing_address=Address(line1="99 Elm St", line2="Apt 4", city="Miami", country="us"),
)


def test_paths_context_const_default_and_none_skipping() -> None:
    m = mapping(
        {
            "City": {"from": "billing_address.city"},
            "Parent": {"from": "ctx.account_id"},
            "Source": {"const": "web"},
            "Company": {"from": "company"},
            "Tier": {"from": "company", "default": "retail"},
        }
    )
    out = apply(m, CUSTOMER, ctx={"account_id": "001X"})
    assert out == {"City": "Miami", "Parent": "001X", "Source": "web", "Tier": "retail"}


def test_first_non_empty_of_several_paths() -> None:
    m = mapping({"LastName": {"from": ["company", "last_name"]}})
    assert apply(m, CUSTOMER) == {"LastName": "Quinto"}


def test_required_missing_names_field_and_source() -> None:
    m = mapping({"Company": {"from": "company", "required": True}})
    with pytest.raises(MappingError) as err:
        apply(m, CUSTOMER)
    assert err.value.field == "Company"
    assert str(err.value) == "t.Company (from company): required value is empty"


def test_converters_chain() -> None:
    m = mapping(
        {
            "Street": {"from": "billing_address", "convert": ["street"]},
            "Short": {"from": "last_name", "convert": ["upper", "truncate:3"]},
        }
    )
    assert apply(m, CUSTOMER) == {"Street": "99 Elm St\nApt 4", "Short": "QUI"}


def test_local_date_uses_context_zone() -> None:
    m = mapping({"D": {"from": "at", "convert": ["local_date"]}})
    late = {"at": dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)}
    assert apply(m, late) == {"D": "2026-11-10"}
    assert apply(m, late, ctx={"timezone": "America/New_York"}) == {"D": "2026-11-09"}


def test_number_converter_rounds_money_and_decimals_to_decimals() -> None:
    m = mapping(
        {"P": {"from": "p", "convert": ["number"]}, "Q": {"from": "q", "convert": ["number:6"]}}
    )
    out = apply(m, {"p": Money(amount=Decimal("19.995"), currency="USD"), "q": Decimal("1.5")})
    assert out == {"P": Decimal("20.00"), "Q": Decimal("1.500000")}
    assert all(type(v) is Decimal for v in out.values())
    assert str(out["P"]) == "20.00"  # half-even at two places, digits kept


def test_lookup_translates_and_fails_loudly() -> None:
    m = mapping({"S": {"from": "s", "lookup": "status"}}, {"status": {"pending": "Draft"}})
    assert apply(m, {"s": "pending"}) == {"S": "Draft"}
    with pytest.raises(MappingError, match="'shipped' has no entry in table 'status'"):
        apply(m, {"s": "shipped"})
    fallback = mapping({"S": {"from": "s", "lookup": "t"}}, {"t": {"_default": "Other"}})
    assert apply(fallback, {"s": "x"}) == {"S": "Other"}


def test_owned_and_create_only_fields_are_left_out_on_update() -> None:
    m = mapping(
        {
            "Name": {"from": "last_name", "owner": "crm"},
            "Parent": {"from": "ctx.p", "only_on_create": True},
            "Email": {"from": "email", "owner": "shift4shop"},
        }
    )
    assert set(apply(m, CUSTOMER, ctx={"p": "1"})) == {"Name", "Parent", "Email"}
    assert set(apply(m, CUSTOMER, creating=False, ctx={"p": "1"})) == {"Email"}


def test_with_tables_overrides_entries() -> None:
    m = mapping({"S": {"from": "s", "lookup": "status"}}, {"status": {"a": "1", "b": "2"}})
    assert apply(m.with_tables({"status": {"b": "9"}}), {"s": "b"}) == {"S": "9"}
    assert apply(m, {"s": "b"}) == {"S": "2"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"A": {}}, "exactly one of"),
        ({"A": {"from": "x", "const": 1}}, "exactly one of"),
        ({"A": {"from": "x", "convert": ["nope"]}}, "unknown converter"),
        ({"A": {"from": "x", "lookup": "missing"}}, "lookup table 'missing'"),
        ({"A": {"from": "x", "colour": "red"}}, "colour"),
    ],
)
def test_bad_mapping_files_fail_at_load(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        mapping(fields)


def test_resolve_indexes_and_missing_steps() -> None:
    data = {"lines": [{"sku": "A"}]}
    assert resolve(data, "lines.0.sku", {}) == "A"
    assert resolve(data, "lines.5.sku", {}) is None
    assert resolve(data, "nope.deeper", {}) is None


MAPPINGS = Path(__file__).resolve().parents[2] / "transforms" / "mappings"
TABLES = {  # plain tables, not mappings
    "shift4shop/order_status",
    "salesforce/inventory_from",
    "bigcommerce/order_status",
    "bigcommerce/inventory",
    "sage300/gl_accounts",
}
SHIPPED = sorted(str(p.relative_to(MAPPINGS).with_suffix("")) for p in MAPPINGS.glob("*/*.yaml"))


def test_the_list_of_shipped_mappings_is_complete() -> None:
    assert "salesforce/order_status" not in SHIPPED  # its tables live in salesforce/order
    assert {"salesforce/order", "salesforce/customer_from", "shift4shop/product"} <= set(SHIPPED)


@pytest.mark.parametrize("name", [n for n in SHIPPED if n not in TABLES])
def test_shipped_mappings_load(name: str) -> None:
    loaded = load_mapping(name)
    assert loaded.system == name.split("/")[0]
    assert loaded.fields
    if loaded.system == "salesforce" and not name.endswith("_from"):
        assert loaded.external_id_field == "Storebridge_Id__c"


def test_order_item_mapping_keeps_create_only_fields_off_updates() -> None:
    line = OrderLine(
        ref=ExternalRef(system="shift4shop", entity="order_line", id="7"),
        sku="SB-CAP-048",
        name="Cap",
        quantity=Decimal(2),
        unit_price=Money(amount=Decimal("16.00"), currency="USD"),
    )
    m = load_mapping("salesforce/order_item")
    ctx = {"order_id": "801X", "pricebook_entry_id": "01uX"}
    created = apply(m, line, ctx=ctx)
    assert created == {
        "OrderId": "801X",
        "PricebookEntryId": "01uX",
        "Quantity": Decimal("2.000000"),
        "UnitPrice": Decimal("16.00"),
        "Description": "Cap",
    }
    assert not any(isinstance(v, float) for v in created.values())
    assert set(apply(m, line, creating=False, ctx=ctx)) == {"Quantity", "UnitPrice", "Description"}


def test_status_tables_cover_every_canonical_status() -> None:
    placed = {s.value for s in OrderStatus} - {"abandoned"}  # abandoned checkouts never load
    order = load_mapping("salesforce/order")
    assert set(order.tables["status"]) == placed
    assert set(order.tables["fulfillment_status"]) == placed
    assert set(load_mapping("shift4shop/fulfillment").tables["status"]) == placed
    shift4shop = load_table("shift4shop/order_status")
    assert {row["status"] for row in shift4shop.values()} <= {s.value for s in OrderStatus}
    # The way back: every Fulfillment_Status__c value written is read back as a status.
    reverse = load_mapping("salesforce/fulfillment_from").tables["status"]
    assert set(order.tables["fulfillment_status"].values()) <= set(reverse)


def test_configured_status_overrides_keep_the_other_entries() -> None:
    order = load_mapping("salesforce/order").with_tables({"status": {"on_hold": "Activated"}})
    assert order.tables["status"]["on_hold"] == "Activated"
    assert order.tables["status"]["pending"] == "Draft"
    assert load_mapping("salesforce/order").tables["status"]["on_hold"] == "Draft"


def test_case_insensitive_lookup_for_labels_typed_by_people() -> None:
    m = mapping(
        {"S": {"from": "s", "lookup": "t", "lookup_ci": True}},
        {"t": {"Partially Shipped": "partially_shipped"}},
    )
    assert apply(m, {"s": "partially SHIPPED"}) == {"S": "partially_shipped"}
    strict = mapping({"S": {"from": "s", "lookup": "t"}}, {"t": {"Shipped": "shipped"}})
    with pytest.raises(MappingError, match="'shipped' has no entry"):
        apply(strict, {"s": "shipped"})
