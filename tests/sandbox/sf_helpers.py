"""SOQL helpers shared by the Salesforce emulator tests."""

from __future__ import annotations

from typing import Any

import httpx


def rows(api: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = api.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def entry(api: httpx.Client, sku: str, book_id: str) -> dict[str, Any]:
    soql = (
        "SELECT Id, UnitPrice, Product2Id FROM PricebookEntry "
        f"WHERE Product2.ProductCode = '{sku}' AND Pricebook2Id = '{book_id}'"
    )
    return rows(api, soql)[0]
