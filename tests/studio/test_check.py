"""`map check`: what it catches in a broken mapping (each finding with file:line and the field),
and that every shipped mapping passes (known findings listed with their reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from transforms.studio import shipped
from transforms.studio.check import KNOWN, Finding, check, check_all

runner = CliRunner()

BROKEN = """\
# a Contact mapping with three mistakes
system: salesforce
object: Contact
external_id_field: Storebridge_Id__c
fields:
  FirstName: {from: first_name, convert: ["truncate:40"]}
  Emial: {from: email}
  MailingCity: {from: billing_address}
  MailingState: {from: billing_address.region, convert: ["truncate:300"]}
"""


def _only(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


def test_a_broken_mapping_is_caught_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "contact.yaml"
    path.write_text(BROKEN)
    report = check("mine/contact", BROKEN, file=str(path))
    assert not report.ok
    unknown = _only(report.findings, "unknown-field")
    assert (unknown.file, unknown.line, unknown.field) == (str(path), 7, "Emial")
    assert "nearest: Email" in unknown.message
    wrong = [f for f in report.findings if f.code == "type"]
    assert [(f.line, f.field) for f in wrong] == [(8, "MailingCity")]
    assert "an Address into a string field" in wrong[0].message
    missing = _only(report.findings, "required")
    assert (missing.line, missing.field) == (5, "LastName")
    too_long = _only(report.findings, "length")
    assert (too_long.line, too_long.field) == (9, "MailingState")
    assert "300 characters, the field holds 80" in too_long.message
    assert f"{path}:7: error [unknown-field] Emial" in str(unknown)


def test_the_cli_names_file_and_line_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "contact.yaml"
    path.write_text(BROKEN)
    result = runner.invoke(app, ["map", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:7: error [unknown-field] Emial" in result.output
    assert f"{path}:8: error [type] MailingCity" in result.output
    assert f"{path}:5: error [required] LastName" in result.output


def test_more_mistakes(tmp_path: Path) -> None:
    text = """\
system: salesforce
object: OrderItem
fields:
  OrderId: {from: ctx.order_id}
  PricebookEntryId: {from: ctx.pricebook_entry_id, only_on_create: true}
  Quantity: {from: quantity, convert: ["number:6"], required: true}
  UnitPrice: {from: unit_price, required: true}
  Description: {from: name, convert: [truncate]}
  Missing: {from: no_such_path}
"""
    report = check("salesforce/order_item_copy", text, file="copy.yaml")
    codes = {(f.field, f.code) for f in report.errors}
    assert ("OrderId", "create-only") in codes  # written on update: Salesforce refuses it
    assert ("UnitPrice", "type") in codes  # a Money object into a currency field
    assert ("Description", "converter") in codes  # truncate without a length
    assert ("Missing", "unknown-source") in codes  # not a path of OrderLine


def test_picklist_values_of_tables_are_checked() -> None:
    text = """\
system: salesforce
object: Order
fields:
  Fulfillment_Status__c: {from: status, lookup: fulfillment_status, only_on_create: true}
  Status: {const: Shipped}
tables:
  fulfillment_status:
    pending: Unfulfilled
    shipped: Sent
"""
    report = check("salesforce/order_copy", text, file="order.yaml")
    picks = [f for f in report.errors if f.code == "picklist"]
    assert {f.field for f in picks} == {"Fulfillment_Status__c", "Status"}
    table = next(f for f in picks if f.field == "Fulfillment_Status__c")
    assert table.line == 9
    assert "'Sent'" in table.message


def test_decode_tables_are_checked_against_the_canonical_enums() -> None:
    text = """\
system: salesforce
object: Order
fields:
  status: {from: Fulfillment_Status__c, lookup: status}
  shipment.carrier: {from: Carrier__c}
  shipment.tracking_number: {from: Tracking_Numbr__c}
tables:
  status: {Shipped: shipped, Delivered: delivered}
"""
    report = check("salesforce/fulfillment_from", text, file="f.yaml")
    codes = {(f.field, f.code) for f in report.errors}
    assert ("status", "picklist") in codes  # "delivered" is no OrderStatus
    assert ("shipment.tracking_number", "unknown-source") in codes


def test_every_shipped_mapping_passes() -> None:
    reports = check_all()
    failing = {r.mapping: [str(f) for f in r.errors] for r in reports if r.errors}
    assert failing == {}
    checked = {r.mapping for r in reports if not r.skipped}
    assert checked == {s.name for s in shipped.SHIPPED}
    skipped = {r.mapping for r in reports if r.skipped}
    assert skipped == set(shipped.NOT_FIELD_MAPPINGS)
    # the known findings are exactly the listed ones (a fixed one is taken off the list)
    known = {(r.mapping, f.field, f.code) for r in reports for f in r.known}
    assert known == set(KNOWN)


@pytest.mark.parametrize("name", ["salesforce/account", "sage300/customer", "shift4shop/product"])
def test_cli_on_shipped_mappings(name: str) -> None:
    result = runner.invoke(app, ["map", "check", name])
    assert result.exit_code == 0, result.output
    assert f"{name} ->" in result.output


def test_cli_checks_everything_by_default() -> None:
    result = runner.invoke(app, ["map", "check", "--no-warnings"])
    assert result.exit_code == 0, result.output
    assert f"{len(shipped.SHIPPED)} mappings checked, 0 errors" in result.output
    assert "known: a SKU identifies the product" in result.output
