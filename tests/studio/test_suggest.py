"""`map suggest`: scored suggestions with reasons, the YAML edit that keeps the file as it was,
and the benchmark's floor (hidden fields of the shipped mappings found again)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from transforms.studio import edit, plan
from transforms.studio.check import check, read_shipped
from transforms.studio.suggest import tokens

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BillingPostalCode", ["billing", "postal"]),
        ("MailingCity", ["billing", "city"]),
        ("address1_stateorprovince", ["billing", "address", "region"]),
        ("Address 1: Street 2", ["billing", "address", "street", "2"]),
        ("BillToPhoneNumber", ["billing", "phone"]),
        ("TEXTPHON1", ["phone", "1"]),
        ("emailaddress1", ["email", "1"]),
        ("shipping_address.line1", ["shipping", "address", "street", "1"]),
        ("Storebridge_Id__c", ["id"]),
    ],
)
def test_tokens(name: str, expected: list[str]) -> None:
    assert tokens(name) == expected


def _without(name: str, *fields: str) -> str:
    return "".join(
        line
        for line in read_shipped(name).splitlines(keepends=True)
        if not any(line.lstrip().startswith(f"{f}:") for f in fields)
    )


def test_an_unmapped_field_gets_its_source_first() -> None:
    s = plan.side("salesforce/contact", _without("salesforce/contact", "MailingCity", "Phone"))
    found = plan.suggestions(s)
    city = found["MailingCity"][0]
    assert city.source == "billing_address.city"
    assert 0.0 <= city.score <= 1.0
    assert city.score >= 0.7
    assert city.convert == ("truncate:40",)  # the field holds 40 characters
    assert any(r.startswith("name: billing, city") for r in city.reasons)
    assert found["Phone"][0].source == "phone"
    assert [x.score for x in found["MailingCity"]] == sorted(
        (x.score for x in found["MailingCity"]), reverse=True
    )


def test_decode_mappings_get_source_fields() -> None:
    s = plan.side(
        "salesforce/customer_from", _without("salesforce/customer_from", "billing_address.city")
    )
    top = plan.suggestions(s)["billing_address.city"][0]
    assert top.source == "MailingCity"


def test_converters_are_proposed_where_the_type_needs_one() -> None:
    s = plan.side("salesforce/order", _without("salesforce/order", "Discount_Amount__c"))
    top = plan.suggestions(s)["Discount_Amount__c"][0]
    assert (top.source, top.convert) == ("discount", ("number:2",))
    assert top.rule() == '{from: discount, convert: ["number:2"]}'


def test_add_fields_edits_the_text() -> None:
    before = read_shipped("salesforce/order")
    after = edit.add_fields(
        before, [edit.Addition("PoNumber", "{from: number}", "suggested (0.80)")], "order"
    )
    added = after.splitlines()
    line = "  PoNumber: {from: number}  # suggested (0.80)"
    assert line in added
    # after the last field, before `tables:` and its comments; nothing else changed
    assert added.index(line) < added.index("tables:")
    assert [x for x in added if x != line] == before.splitlines()
    with pytest.raises(ValueError, match="mapped already"):
        edit.add_fields(before, [edit.Addition("Status", "{const: Draft}")], "order")


def test_cli_writes_the_accepted_suggestions(tmp_path: Path) -> None:
    copy = tmp_path / "contact.yaml"
    copy.write_text(_without("salesforce/contact", "MailingCity", "MailingState"))
    args = [
        "map",
        "suggest",
        "--source",
        "shift4shop",
        "--target",
        "salesforce",
        "--entity",
        "customer",
        "--sample",
        "0",
        "--only",
        "salesforce/contact",
        "--mapping-file",
        str(copy),
    ]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "MailingCity" in shown.output
    assert "{from: billing_address.city" in shown.output
    assert copy.read_text().count("\n") == _without(
        "salesforce/contact", "MailingCity", "MailingState"
    ).count("\n")  # not written
    result = runner.invoke(
        app, [*args, "--write", "--threshold", "0.99", "--accept", "MailingCity"]
    )
    assert result.exit_code == 0, result.output
    text = copy.read_text()
    assert "MailingCity: {from: billing_address.city" in text
    assert "MailingState:" not in text  # below the threshold and not accepted
    assert "+  MailingCity:" in result.output  # the diff
    assert text.startswith("# Canonical Customer -> Salesforce Contact")  # comments kept
    assert check("salesforce/contact", text, file=str(copy)).ok


def test_cli_refuses_a_pair_without_mappings() -> None:
    result = runner.invoke(
        app,
        [
            "map",
            "suggest",
            "--source",
            "shift4shop",
            "--target",
            "bigcommerce",
            "--entity",
            "customer",
            "--sample",
            "0",
        ],
    )
    assert result.exit_code != 0
    assert "both stores: no pair" in result.output


def test_benchmark_floor_without_samples() -> None:
    from bench.map_suggest import cases_and_pairs, evaluate, rule_scores, totals

    mappings = cases_and_pairs({})
    n, top1, top3 = totals(evaluate(mappings, rule_scores(mappings)))
    assert n >= 200
    assert top1 / n >= 0.85
    assert top3 / n >= 0.9
