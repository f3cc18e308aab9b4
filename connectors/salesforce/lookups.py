"""Look-ups an integration needs in an org (REST API v59.0 SOQL), batched and cached per run.

The standard price book, the active PricebookEntry of each SKU (`Product2.ProductCode`), contacts
by e-mail, order items of orders, and records by id. Every `IN (...)` list is split by URL length
(`soql.in_chunks`), so a query never meets the 16,384-byte limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.resources import EXTERNAL_ID_FIELD


class Lookups:
    """Cached look-ups of one org for one run (thread-safe enough: one run, one thread)."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client
        self._pricebook: tuple[str, str] | None = None
        self._entries: dict[str, str] = {}
        self._unknown: dict[str, str] = {}

    def pricebook(self) -> tuple[str, str]:
        """(Id, Name) of the org's active standard price book.

        Raises:
            LookupError: the org has none (a configuration problem: every order needs it).
        """
        if self._pricebook is None:
            rows = self.client.query(
                "SELECT Id, Name FROM Pricebook2 WHERE IsStandard = true AND IsActive = true "
                "LIMIT 1"
            )
            if not rows:
                raise LookupError("the org has no active standard price book (Pricebook2)")
            self._pricebook = (rows[0]["Id"], rows[0]["Name"])
        return self._pricebook

    def price_entries(self, skus: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
        """PricebookEntry Id per SKU (ProductCode); why each SKU without exactly one has none."""
        wanted = set(skus)
        todo = sorted(s for s in wanted if s not in self._entries and s not in self._unknown)
        if todo:
            pricebook_id, _ = self.pricebook()
            found: dict[str, list[str]] = defaultdict(list)
            template = (
                "SELECT Id, Product2.ProductCode FROM PricebookEntry WHERE Pricebook2Id = "  # noqa: S608
                f"{soql.quote(pricebook_id)} AND IsActive = true AND Product2.ProductCode IN "
                "{values}"
            )
            for query in soql.in_chunks(template, todo):
                for row in self.client.query(query):
                    found[str(row["Product2"]["ProductCode"]).lower()].append(row["Id"])
            for sku in todo:
                ids = found.get(sku.lower(), [])
                if len(ids) == 1:
                    self._entries[sku] = ids[0]
                elif ids:
                    self._unknown[sku] = f"matches {len(ids)} active PricebookEntries, not 1"
                else:
                    self._unknown[sku] = "has no active PricebookEntry (Product2.ProductCode)"
        return (
            {s: self._entries[s] for s in wanted if s in self._entries},
            {s: self._unknown[s] for s in wanted if s in self._unknown},
        )

    def contacts_by_email(self, emails: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Contacts per lower-cased e-mail (with AccountId and our external id)."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        template = (
            f"SELECT Id, AccountId, Email, {EXTERNAL_ID_FIELD} FROM Contact "  # noqa: S608
            "WHERE Email IN {values}"
        )
        for query in soql.in_chunks(template, sorted({e.lower() for e in emails})):
            for row in self.client.query(query):
                out[str(row["Email"]).lower()].append(row)
        return out

    def by_ids(
        self, sobject: str, fields: Sequence[str], ids: Sequence[str], *, key: str = "Id"
    ) -> list[dict[str, Any]]:
        """Records of `sobject` whose `key` field is one of `ids`."""
        columns = ", ".join(dict.fromkeys(["Id", *fields]))
        template = f"SELECT {columns} FROM {sobject} WHERE {key} IN {{values}}"  # noqa: S608
        rows: list[dict[str, Any]] = []
        for query in soql.in_chunks(template, list(ids)):
            rows += self.client.query(query)
        return rows

    def order_items(self, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Our OrderItems of these orders, by external id."""
        rows = self.by_ids(
            "OrderItem",
            ["OrderId", "PricebookEntryId", EXTERNAL_ID_FIELD],
            order_ids,
            key="OrderId",
        )
        return {r[EXTERNAL_ID_FIELD]: r for r in rows if r.get(EXTERNAL_ID_FIELD)}
