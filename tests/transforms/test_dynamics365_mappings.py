"""The Dynamics 365 mappings: golden rows, round trips, status tables, CDM conformance.

Columns, lengths and option sets are checked against `golden/dynamics365/cdm_columns.json`, an
extract of the CDM entity files in `shared/api-specs/dynamics365/cdm/v0.4-2018/` (rewritten from
them by `UPDATE_GOLDEN=1`, and compared with them whenever the shared folder is there).
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.http import jsonx
from connectors.shift4shop.models import Order as RawOrder
from connectors.state.meta import Pseudonymiser
from tests.transforms import test_dynamics365_codec as rows
from transforms.canonical import (
    Address,
    Customer,
    ExternalRef,
    Order,
    OrderStatus,
    PaymentKind,
    PaymentStatus,
)
from transforms.dynamics365 import (
    FulfillmentCodec,
    bind,
    decode_customer,
    encode,
    external_key,
    invoice_state,
    invoiceable,
    order_state,
    parse_external_key,
    product_bind,
    unknown_skus,
)
from transforms.dynamics365_address import split_address
from transforms.mapping import MappingError, Symbolic, load_mapping
from transforms.shift4shop import decode_order

GOLDEN = Path(__file__).parent / "golden" / "dynamics365"
CDM = Path(__file__).resolve().parents[3] / "shared" / "api-specs" / "dynamics365" / "cdm"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "shift4shop"
ENTITIES = ("Account", "Contact", "SalesOrder", "SalesOrderDetail", "Invoice", "Product")
WRITES = {
    "account": "account",
    "contact": "contact",
    "salesorder": "salesorder",
    "salesorderdetail": "salesorderdetail",
    "invoice": "invoice",
}
# statecode -> its statuscodes (Microsoft's pairing, backoffice-apis.md 2.2; the CDM files list
# both option sets but not which status belongs to which state)
ORDER_PAIRS = {0: {1, 2}, 1: {3}, 2: {4}, 3: {100001, 100002}, 4: {100003}}
INVOICE_PAIRS = {0: {1, 2, 4, 5, 6}, 1: {3, 7}, 2: {100001, 100002}, 3: {100003}}
# canonical statuses Dataverse has no pair of their own for (salesorder.yaml says why)
COLLAPSED = {"on_hold": "awaiting_payment", "refunded": "cancelled", "completed": "shipped"}
CTX = {
    "account_bind": "/accounts(storebridge_id='shift4shop.customer.guest~3Ah-7202')",
    "customer_account": "/accounts(00000000-0000-0000-0000-000000000001)",
    "price_level": "/pricelevels(00000000-0000-0000-0000-0000000000a1)",
    "currency": "/transactioncurrencies(00000000-0000-0000-0000-0000000000c1)",
    "order_bind": "$1",
    "product_bind": "/products(productnumber='SKU-XS')",
    "uom_bind": "/uoms(00000000-0000-0000-0000-0000000000f1)",
}


def cdm_extract() -> dict[str, dict[str, Any]]:
    """Column -> {type, max, options {value: label}} per entity, from the CDM files."""
    out: dict[str, dict[str, Any]] = {}
    for name in ENTITIES:
        doc = json.loads((CDM / "v0.4-2018" / f"{name}.cdm.json").read_text())
        columns = {}
        for attr in doc["entity"]["attributes"]:
            domain = attr.get("semanticDomain", {})
            items = domain.get("constrainedList", {}).get("items")
            columns[attr["name"]] = {
                "type": domain.get("structuralType"),
                "max": domain.get("maxLength"),
                "options": {str(i["value"]): i.get("displayName") for i in items}
                if items
                else None,
            }
        out[name.lower()] = columns
    return out


def dump(data: dict[str, Any], compact: bool) -> str:
    """Pretty JSON; `compact`: one line per innermost entry (the CDM extract stays short)."""
    if not compact:
        return json.dumps(data, indent=1, sort_keys=True) + "\n"
    blocks = []
    for key, inner in sorted(data.items()):
        entries = ",\n".join(
            f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(inner.items())
        )
        blocks.append(f" {json.dumps(key)}: {{\n{entries}\n }}")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def golden(name: str, actual: Any, *, compact: bool = False) -> Any:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(dump(actual, compact))
    expected = json.loads(path.read_text())
    assert actual == expected
    return expected


def columns() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((GOLDEN / "cdm_columns.json").read_text())
    return data


@pytest.mark.skipif(not CDM.is_dir(), reason="shared/api-specs/dynamics365/cdm is not beside")
def test_the_cdm_extract_matches_the_cdm_files() -> None:
    golden("cdm_columns.json", cdm_extract(), compact=True)


def plain(payload: Any) -> Any:
    """A row as it goes on the wire, decimals as their exact digits (`"decimal:19.90"`)."""
    return json.loads(jsonx.dumps(payload), parse_float=lambda digits: f"decimal:{digits}")


def sample_order() -> Order:
    raw = RawOrder.model_validate(json.loads((SAMPLES / "order.json").read_text())[0])
    key = Pseudonymiser(bytes(range(32)))  # the key of the Shift4Shop codec's golden test
    return decode_order(raw, timezone="America/New_York", currency="USD", guest_key=key)


def test_rows_written_for_the_captured_order_match_golden() -> None:
    order = sample_order()
    written = {
        "account": encode("account", order.customer),
        "contact": encode("contact", order.customer, ctx=CTX),
        "salesorder": encode("salesorder", order, ctx=CTX),
        "salesorder (update)": encode("salesorder", order, creating=False, ctx=CTX),
        "salesorderdetail": encode("salesorderdetail", order.lines[0], ctx=CTX),
        "invoice": encode("invoice", order.payments[0], ctx=CTX),
    }
    golden("rows_order_230.json", plain(written))
    head = written["salesorder"]
    assert head["storebridge_amountpaid"] == Decimal("108.75")
    assert head["pricelevelid@odata.bind"] == CTX["price_level"]  # flat, not nested
    assert head["shipto_contactname"] == "Jane Doe"
    assert "pricelevelid@odata.bind" not in written["salesorder (update)"]  # create only
    line = written["salesorderdetail"]
    assert (line["ispriceoverridden"], line["isproductoverridden"]) == (True, False)
    assert line["priceperunit"] == Decimal("108.75")
    assert written["invoice"]["totalamount"] == Decimal("108.75")


def test_written_columns_exist_in_the_cdm_and_fit_their_lengths() -> None:
    cdm = columns()
    for name, entity in WRITES.items():
        for target, rule in load_mapping(f"dynamics365/{name}").fields.items():
            if target.startswith("storebridge_"):
                continue  # storebridge's own columns (the shared interfaces list them)
            column = target.removesuffix("@odata.bind")
            column = re.sub(r"_(account|contact)$", "", column) if "@" in target else column
            assert column in cdm[entity], f"{name}.{target}: no column {column!r} in the CDM"
            for conv in rule.convert:
                if conv.startswith("truncate:"):
                    limit = cdm[entity][column]["max"]
                    assert int(conv.split(":")[1]) <= limit, f"{name}.{target} > {limit}"


def test_decoded_columns_and_test_rows_exist_in_the_cdm() -> None:
    cdm = columns()
    reads = {
        "customer_from": ("contact", lambda t: True),
        "fulfillment_from": ("salesorder", lambda t: not t.startswith("line.")),
        "product_from": ("product", lambda t: True),
    }
    for name, (entity, keep) in reads.items():
        for target, rule in load_mapping(f"dynamics365/{name}").fields.items():
            sources = [rule.source] if isinstance(rule.source, str) else list(rule.source or ())
            for src in sources:
                col = src.split(".")[0]
                if keep(target) and not src.startswith(("ctx.", "storebridge_")):
                    assert col in cdm[entity], f"{name}.{target}: no {col!r} in {entity}"
    samples: dict[str, list[dict[str, Any]]] = {
        "contact": [rows.CONTACT],
        "account": [rows.ACCOUNT],
        "salesorder": [rows.ORDER],
        "salesorderdetail": rows.DETAILS,
        "product": [rows.PRODUCT, *rows.VARIANTS],
    }
    for entity, found in samples.items():
        for row in found:
            for key in row:
                col = re.sub(r"^_(.+)_value$", r"\1", key)
                col = re.sub(r"^parentcustomerid_account$", "parentcustomerid", col)
                if key.startswith(("@odata", "storebridge_")):
                    continue
                assert col in cdm[entity], f"test row column {key!r} is not in the CDM {entity}"


def test_order_status_tables_cover_the_cdm_option_sets() -> None:
    options = columns()["salesorder"]
    assert set(ORDER_PAIRS) == {int(v) for v in options["statecode"]["options"]}
    assert set[int]().union(*ORDER_PAIRS.values()) == {
        int(v) for v in options["statuscode"]["options"]
    }
    back = load_mapping("dynamics365/fulfillment_from").tables
    pairs = {f"{s}/{c}" for s, codes in ORDER_PAIRS.items() for c in codes}
    assert set(back["status"]) == pairs == set(back["labels"])
    for pair, label in back["labels"].items():
        state, status = pair.split("/")
        names = (options["statecode"]["options"][state], options["statuscode"]["options"][status])
        assert label == " / ".join(names)
    assert {OrderStatus(v) for v in back["status"].values()} <= set(OrderStatus)
    tables = load_mapping("dynamics365/salesorder").tables
    wanted = {s.value for s in OrderStatus} - {"abandoned"}
    assert set(tables["state"]) == wanted == set(tables["create_status"])
    assert set(tables["create_status"].values()) <= ORDER_PAIRS[0]  # created Active
    for status in wanted:
        ends = order_state(status)
        assert ends.statuscode in ORDER_PAIRS[ends.statecode], status
        decoded = back["status"][f"{ends.statecode}/{ends.statuscode}"]
        assert decoded == COLLAPSED.get(status, status)


def test_invoice_and_product_state_tables_cover_the_cdm_option_sets() -> None:
    cdm = columns()
    invoice = cdm["invoice"]
    assert set(INVOICE_PAIRS) == {int(v) for v in invoice["statecode"]["options"]}
    assert set[int]().union(*INVOICE_PAIRS.values()) == {
        int(v) for v in invoice["statuscode"]["options"]
    }
    table = load_mapping("dynamics365/invoice").tables
    assert set(table["state"]) == {s.value for s in PaymentStatus}
    order = sample_order()
    for status in PaymentStatus:
        state = invoice_state(order.payments[0].model_copy(update={"status": status}))
        assert state.statuscode in INVOICE_PAIRS[state.statecode]
    assert set(table["invoiced_kinds"]) <= {k.value for k in PaymentKind}
    refund = order.payments[0].model_copy(update={"kind": PaymentKind.REFUND})
    assert (invoiceable(order.payments[0]), invoiceable(refund)) == (True, False)
    active = load_mapping("dynamics365/product_from").tables["active"]
    assert set(active) == set(cdm["product"]["statecode"]["options"])


def test_state_without_an_entry_is_an_error_naming_the_table() -> None:
    with pytest.raises(MappingError, match=r"salesorder.statecode .*'abandoned' has no entry"):
        order_state("abandoned")
    assert order_state("on_hold", {"on_hold": {"statecode": 0, "statuscode": 100005}}) == (
        0,
        100005,
    )


CUSTOMER = Customer(
    ref=ExternalRef(system="bigcommerce", entity="customer", id="11"),
    email="kira@example.com",
    first_name="Kira",
    last_name="Quinto",
    phone="+1 305 555 0101",
    billing_address=Address(
        first_name="Kira",
        last_name="Quinto",
        line1="99 Elm St",
        line2="Apt 4",
        city="Miami",
        region="FL",
        postal_code="33101",
        country="US",
        phone="+1 305 555 0101",
    ),
)


def read_back(customer: Customer) -> Customer:
    row = encode("contact", customer, ctx=CTX)
    return decode_customer({**row, "contactid": "c-1", "modifiedon": "2026-11-20T14:05:09Z"})


def test_customers_round_trip_through_a_contact_row() -> None:
    back = read_back(CUSTOMER)
    fields = ("email", "first_name", "last_name", "phone", "billing_address")
    assert {f: getattr(back, f) for f in fields} == {f: getattr(CUSTOMER, f) for f in fields}


def test_a_single_line_store_address_is_split_only_where_the_parts_are_missing() -> None:
    one_line = Address(line1="99 Elm St Apt 4, Miami, FL 33101", country="US")
    split = split_address(one_line)
    assert split is not None
    assert (split.line1, split.city, split.region, split.postal_code) == (
        "99 Elm St Apt 4",
        "Miami",
        "FL",
        "33101",
    )
    row = encode("contact", CUSTOMER.model_copy(update={"billing_address": one_line}), ctx=CTX)
    assert (row["address1_line1"], row["address1_city"], row["address1_postalcode"]) == (
        "99 Elm St Apt 4",
        "Miami",
        "33101",
    )
    two_lines = Address(line1="99 Elm St", line2="Miami, FL 33101")
    assert split_address(two_lines) == Address(
        line1="99 Elm St", city="Miami", region="FL", postal_code="33101"
    )
    kept = [
        Address(line1="99 Elm St, Miami, FL 33101", city="Miami"),  # the store split it
        Address(line1="99 Elm St, Miami, FL 33101", country="CA"),  # not a US address
        Address(line1="Flat 3, 10 Downing Street, London SW1A 2AA"),  # not parseable as US
        Address(line1="99 Elm St"),  # a street only
    ]
    for address in kept:
        assert split_address(address) == address


def test_hashing_rows_with_symbolic_context_keeps_the_derived_names() -> None:
    order = sample_order()
    hashed = encode("salesorder", order, creating=False, ctx=Symbolic())
    assert hashed["billto_contactname"] == "Jane Doe"
    assert hashed["customerid_account@odata.bind"] == "<customer_account>"


def test_order_status_round_trips_through_the_written_row() -> None:
    order = sample_order()
    for status in set(OrderStatus) - {OrderStatus.ABANDONED}:
        row = encode("salesorder", order.model_copy(update={"status": status}), ctx=CTX)
        state = order_state(status)
        written = {
            **row,
            "storebridge_id": external_key(order.ref),
            "statecode": state.statecode,
            "statuscode": state.statuscode,
        }
        back = FulfillmentCodec().decode_written(written, "o-1")
        assert back is not None
        assert back.order == order.ref
        assert back.status is OrderStatus(COLLAPSED.get(status.value, status.value))


def test_required_context_and_unknown_skus_fail_naming_the_record_and_field() -> None:
    order = sample_order()
    with pytest.raises(MappingError) as err:
        encode("salesorder", order, ctx={**CTX, "price_level": None})
    assert str(err.value) == (
        "dynamics365/salesorder.pricelevelid@odata.bind (from ctx.price_level): "
        "required value is empty"
    )
    assert unknown_skus(order, {"SKU-XS"}) == []
    assert unknown_skus(order, {"OTHER"}) == [
        "shift4shop:order:230: lines.0.sku 'SKU-XS' is no productnumber of an active "
        "Dynamics 365 product (write-in products are not used)"
    ]


def test_keys_are_safe_in_urls_and_read_back() -> None:
    guest = ExternalRef(system="shift4shop", entity="customer", id="guest:h-7202/x")
    key = external_key(guest)
    assert key == "shift4shop.customer.guest~3Ah-7202~2Fx"
    assert not re.search(r"[/\\<>*%&:#]", key)
    assert parse_external_key(key) == guest
    assert parse_external_key("shift4shop:order:1001") == ExternalRef(
        system="shift4shop", entity="order", id="1001"
    )
    assert parse_external_key("nowhere.order.1") is None
    assert parse_external_key(None) is None
    assert bind("contacts", {"emailaddress1": "o'brien@example.com"}) == (
        "/contacts(emailaddress1='o''brien@example.com')"
    )
    assert product_bind("SB-TEE") == "/products(productnumber='SB-TEE')"
    assert product_bind("SB-TEE", "e1") == "/products(e1)"
