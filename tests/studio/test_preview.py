"""`map preview` over the sandbox: real records read through the connectors, decoded, mapped
and shown beside their sources, with what the target would reject; personal data masked
unless `--show-personal`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deployments.cli import app
from deployments.cli_map import read_records
from sandbox.runner import Sandbox
from tests.leaks import Scanner, seed_needles
from transforms.canonical import Entity

runner = CliRunner()
PAIR = ["--source", "shift4shop", "--target", "salesforce", "--entity", "customer"]


@pytest.fixture
def env(sandbox: Sandbox, sandbox_env: dict[str, str]) -> Sandbox:
    return sandbox


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, ["map", "preview", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_records_are_mapped_side_by_side(env: Sandbox) -> None:
    data = _json([*PAIR, "--sample", "3"])
    assert data["read"] == 3
    assert data["masked"]
    first = data["records"][0]
    assert first["record"].startswith("shift4shop:customer:")
    names = [m["mapping"] for m in first["mappings"]]
    assert names == ["salesforce/account", "salesforce/contact"]
    contact = {f["field"]: f for f in first["mappings"][1]["fields"]}
    assert contact["MailingCity"]["from"] == "billing_address.city"
    assert contact["MailingCity"]["value"] == contact["MailingCity"]["source_value"]
    assert contact["AccountId"]["value"] == "<account_id>"  # the loader's value
    assert "***@" in contact["Email"]["value"]
    assert all(f["rejected"] is None for m in first["mappings"] for f in m["fields"])


def test_nothing_personal_is_printed(env: Sandbox) -> None:
    scanner = Scanner(seed_needles(env.world))
    for args in (PAIR, ["--source", "shift4shop", "--target", "sage300", "--entity", "order"]):
        result = runner.invoke(app, ["map", "preview", *args, "--sample", "5"])
        assert result.exit_code == 0, result.output
        scanner.scan("output", " ".join(args), result.output)
    assert not scanner.hits, scanner.report()


def test_show_personal_shows_it(env: Sandbox) -> None:
    result = runner.invoke(app, ["map", "preview", *PAIR, "--sample", "2", "--show-personal"])
    assert result.exit_code == 0, result.output
    assert "personal data SHOWN" in result.output
    assert Scanner(seed_needles(env.world)).find(result.output)


def test_rejected_fields_from_a_file_of_raw_payloads(env: Sandbox, tmp_path: Path) -> None:
    raws, _, _ = read_records("shift4shop", Entity.CUSTOMER, 1)
    raw = raws[0].model_dump(mode="json", by_alias=True)
    raw["Email"] = "a" * 90 + "@example.com"  # Salesforce's Email holds 80
    raw["BillingState"] = "S" * 100
    path = tmp_path / "raw.json"
    path.write_text(json.dumps([raw]))
    data = _json([*PAIR, "--file", str(path)])
    assert data["read"] == 1
    contact = next(m for m in data["records"][0]["mappings"] if m["object"] == "Contact")
    rejected = {f["field"]: f["rejected"] for f in contact["fields"] if f["rejected"]}
    assert rejected == {"Email": "102 characters, the field holds 80"}  # the state is cut
    text = runner.invoke(app, ["map", "preview", *PAIR, "--file", str(path)]).output
    assert "REJECTED Email: 102 characters, the field holds 80" in text
    assert "a" * 20 not in text  # masked


def test_a_back_office_source_goes_through_its_decode_mapping(env: Sandbox) -> None:
    data = _json(
        ["--source", "salesforce", "--target", "shift4shop", "--entity", "product", "--sample", "1"]
    )
    names = {m["mapping"] for m in data["records"][0]["mappings"]}
    assert {"salesforce/product_from", "shift4shop/product", "shift4shop/variant"} <= names
    product = next(
        m for m in data["records"][0]["mappings"] if m["mapping"] == "shift4shop/product"
    )
    fields = {f["field"]: f for f in product["fields"]}
    assert fields["SKUInfo.Price"]["from"] == "price"


def test_no_pair_no_preview(env: Sandbox) -> None:
    result = runner.invoke(
        app,
        ["map", "preview", "--source", "salesforce", "--target", "sage300", "--entity", "customer"],
    )
    assert result.exit_code != 0
    assert "no pair" in result.output
