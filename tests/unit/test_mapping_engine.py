"""The mapping engine's newer pieces: nested dotted targets, `decode_with`, `Symbolic`
contexts (hash what a payload would be before ids are resolved) and `fingerprint`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from transforms.canonical import Address, Customer, ExternalRef, Money
from transforms.canonical.hashing import digest
from transforms.mapping import (
    FieldMapping,
    MappingError,
    Symbolic,
    apply,
    decode_with,
    fingerprint,
    load_mapping,
    nest,
)

REF = ExternalRef(system="shift4shop", entity="customer", id="26")


def mapping(
    fields: dict[str, Any], tables: dict[str, Any] | None = None, name: str = "t"
) -> FieldMapping:
    return FieldMapping.model_validate(
        {"name": name, "system": "crm", "object": "Thing", "fields": fields, "tables": tables or {}}
    )


def test_nest_builds_objects_from_dotted_keys() -> None:
    assert nest({"a.b": 1, "a.c.d": 2, "e": 3}) == {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    assert nest({}) == {}


def test_dotted_targets_are_written_nested() -> None:
    m = mapping(
        {
            "SKUInfo.SKU": {"from": "sku"},
            "SKUInfo.Price": {"from": "price", "convert": ["number:2"]},
            "Hide": {"from": "active", "convert": ["negate"]},
            "SKUInfo.Cost": {"from": "cost"},  # None: left out, the object stays
        }
    )
    record = {
        "sku": "SB-1",
        "price": Money(amount=Decimal("9.5"), currency="USD"),
        "active": True,
        "cost": None,
    }
    assert apply(m, record) == {"SKUInfo": {"SKU": "SB-1", "Price": Decimal("9.50")}, "Hide": False}
    assert apply(m, record, nested=False) == {
        "SKUInfo.SKU": "SB-1",
        "SKUInfo.Price": Decimal("9.50"),
        "Hide": False,
    }


def test_decode_with_turns_a_raw_row_into_canonical_data() -> None:
    m = mapping(
        {
            "email": {"from": "Email"},
            "last_name": {"from": ["LastName", "Email"], "required": True},
            "billing_address.city": {"from": "MailingCity"},
            "billing_address.line2": {"from": "MailingStreet", "convert": ["line:2"]},
            "updated_at": {"from": "SystemModstamp", "convert": ["datetime"]},
            "customer_group": {"from": "ctx.group"},
        }
    )
    row = {
        "Email": "kira@example.com",
        "LastName": "Quinto",
        "MailingCity": "Miami",
        "MailingStreet": "99 Elm St\nApt 4",
        "SystemModstamp": "2026-11-20T14:05:09.000+0000",
    }
    data = decode_with(m, row, {"group": "wholesale"})
    assert data == {
        "email": "kira@example.com",
        "last_name": "Quinto",
        "billing_address": {"city": "Miami", "line2": "Apt 4"},
        "updated_at": dt.datetime(2026, 11, 20, 14, 5, 9, tzinfo=dt.UTC),
        "customer_group": "wholesale",
    }
    customer = Customer.model_validate({"ref": REF, **data})  # a canonical model takes it as is
    assert customer.billing_address == Address(city="Miami", line2="Apt 4")
    assert decode_with(m, {"Email": "a@b.co"})["last_name"] == "a@b.co"
    with pytest.raises(MappingError, match=r"t\.last_name \(from LastName \| Email\)"):
        decode_with(m, {"MailingCity": "Miami"})


def test_symbolic_context_stands_in_for_ids_not_resolved_yet() -> None:
    ctx = Symbolic(timezone="America/New_York", contact_id=None)
    assert ctx.get("account_id") == "<account_id>"
    assert ctx["pricebook_id"] == "<pricebook_id>"
    assert "anything" in ctx
    assert ctx.get("timezone") == "America/New_York"  # settings that shape values are real
    assert ctx.get("contact_id") is None  # given as None: None
    m = mapping(
        {
            "AccountId": {"from": "ctx.account_id", "required": True},
            "BillTo": {"from": "ctx.contact_id"},
            "Day": {"from": "at", "convert": ["local_date"]},
        }
    )
    late = {"at": dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)}
    assert apply(m, late, ctx=ctx) == {"AccountId": "<account_id>", "Day": "2026-11-09"}


def test_symbolic_hashes_change_with_the_record_not_with_the_ids() -> None:
    m = load_mapping("salesforce/contact")
    kira = Customer(ref=REF, email="kira@example.com", last_name="Quinto")

    def hashed(c: Customer) -> str:
        return digest(apply(m, c, creating=False, ctx=Symbolic()))

    assert hashed(kira) == hashed(kira.model_copy())
    assert hashed(kira) != hashed(kira.model_copy(update={"last_name": "Quintero"}))
    resolved = apply(m, kira, creating=False, ctx={"account_id": "001REAL"})
    assert "AccountId" not in resolved  # owned by Salesforce: not written on update


def test_fingerprint_is_stable_and_follows_every_part_of_a_mapping() -> None:
    base = {"A": {"from": "a", "convert": ["strip"]}, "S": {"from": "s", "lookup": "t"}}
    tables = {"t": {"x": "1"}}
    first = fingerprint(mapping(base, tables))
    assert first == fingerprint(mapping(base, tables))
    assert len(first) == 64
    assert first != fingerprint(mapping({**base, "A": {"from": "a"}}, tables))  # converters
    assert first != fingerprint(mapping(base, {"t": {"x": "2"}}))  # tables
    assert first != fingerprint(mapping(base, tables).with_tables({"t": {"y": "3"}}))
    assert first != fingerprint(mapping({**base, "B": {"const": 1}}, tables))  # fields
    two = fingerprint(load_mapping("salesforce/order"), load_mapping("salesforce/order_item"))
    assert two != fingerprint(
        load_mapping("salesforce/order_item"), load_mapping("salesforce/order")
    )
