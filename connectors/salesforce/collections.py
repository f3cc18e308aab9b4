"""sObject Collections: up to 200 records per call (backoffice-apis.md 1.3).

simple-salesforce has no helper for Collections (its issues #154, #348), so this is the small
piece we write: chunk, add `attributes`, call `composite/sobjects`, and return one `SaveResult` per
input record in input order. `allOrNone` is off: one bad record never sinks its batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from connectors.salesforce import resources
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.models import SaveResult


def chunked(items: Sequence[Any], size: int = resources.COLLECTION_MAX) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _records(sobject: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"attributes": {"type": sobject}, **r} for r in records]


def _results(raw: Any, expected: int) -> list[SaveResult]:
    results = [SaveResult.model_validate(r) for r in raw or []]
    if len(results) != expected:
        raise ValueError(f"Collections answered {len(results)} results for {expected} records")
    return results


class Collections:
    """Batch writes of one org through sObject Collections."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    def upsert(
        self, sobject: str, external_id_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[SaveResult]:
        """Upsert by external id (`PATCH composite/sobjects/{S}/{field}`), 200 per call."""
        path = f"{resources.COLLECTIONS_PATH}/{sobject}/{external_id_field}"
        out: list[SaveResult] = []
        for chunk in chunked(records):
            body = {"allOrNone": False, "records": _records(sobject, chunk)}
            out += _results(self.client.restful(path, method="PATCH", json=body), len(chunk))
        return out

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[SaveResult]:
        """Update by `Id` (`PATCH composite/sobjects`), 200 per call."""
        out: list[SaveResult] = []
        for chunk in chunked(records):
            body = {"allOrNone": False, "records": _records(sobject, chunk)}
            out += _results(
                self.client.restful(resources.COLLECTIONS_PATH, method="PATCH", json=body),
                len(chunk),
            )
        return out

    def delete(self, ids: Sequence[str]) -> list[SaveResult]:
        """Delete by id (`DELETE composite/sobjects?ids=`), 200 per call."""
        out: list[SaveResult] = []
        for chunk in chunked(ids):
            params = {"ids": ",".join(quote(i) for i in chunk), "allOrNone": "false"}
            raw = self.client.restful(resources.COLLECTIONS_PATH, method="DELETE", params=params)
            out += _results(raw, len(chunk))
        return out
