"""V3 customers: the window read with addresses, lookups by id and e-mail, batch writes.

There is no upsert by e-mail (store-apis.md 1.6): callers look up `email:in` first, then POST
new ones or PUT known ones (with `id`). Batches hold at most `customers_batch` (10) items; a 413
halves them, a 422 fails the item it names (`WriteResult`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.bigcommerce import models, resources
from connectors.bigcommerce.base import BigCommerceBase, iso, whole_seconds
from connectors.bigcommerce.resources import SYSTEM
from connectors.bigcommerce.writes import WriteResult, item_key
from connectors.records import Failure, Page, validate_rows

INCLUDE = {"include": "addresses"}


def _customer_key(item: Mapping[str, Any], position: int) -> str:
    # an item without an id is named by its position, never by its e-mail
    return item_key("customer", item, position)


class CustomersMixin(BigCommerceBase):
    """Customers V3."""

    def customers_page(
        self, since: dt.datetime, until: dt.datetime, cursor: Any
    ) -> Page[models.Customer]:
        """One page of customers whose `date_modified` is within [since, until], with their
        addresses (`date_modified:min|max` full timestamps, `sort=date_modified:asc`)."""
        start, end = whole_seconds(since, until)
        params = {
            **INCLUDE,
            "date_modified:min": iso(start),
            "date_modified:max": iso(end),
            "sort": "date_modified:asc",
        }
        number = int(cursor) if cursor else 1
        rows, nxt, total = self.v3_page(
            resources.CUSTOMERS, params, number, self.settings.page_size
        )
        page = validate_rows(models.Customer, rows, system=SYSTEM, entity="customer", id_key="id")
        page.records = [
            c for c in page.records if c.date_modified is None or since <= c.date_modified <= until
        ]
        page.next, page.total = nxt, total
        return page

    def customers_by_id(self, ids: Iterable[int]) -> Page[models.Customer]:
        """Customers by `id:in` (50 a query); unknown ids are `NotFoundError` failures."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        rows = self.v3_in(resources.CUSTOMERS, "id", wanted, INCLUDE)
        page = validate_rows(models.Customer, rows, system=SYSTEM, entity="customer", id_key="id")
        seen = {str(r.get("id")) for r in rows}
        page.failures += [
            Failure(
                SYSTEM, "customer", str(m), "NotFoundError", f"{SYSTEM}:customer:{m}: not found"
            )
            for m in wanted
            if str(m) not in seen
        ]
        return page

    def customers_by_email(self, emails: Iterable[str]) -> list[models.Customer]:
        """Customers whose e-mail is one of `emails` (`email:in`; BigCommerce e-mails are
        unique per store, compared case-insensitively here)."""
        wanted = {e.strip().lower() for e in emails if e and e.strip()}
        if not wanted:
            return []
        rows = self.v3_in(resources.CUSTOMERS, "email", sorted(wanted), INCLUDE)
        page = validate_rows(models.Customer, rows, system=SYSTEM, entity="customer", id_key="id")
        return [c for c in page.records if (c.email or "").strip().lower() in wanted]

    def create_customers(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """`POST /v3/customers` in batches: one result per item (`id` = the new customer)."""
        return self.batched(
            "POST",
            resources.CUSTOMERS,
            items,
            self.settings.customers_batch,
            entity="customer",
            key_of=_customer_key,
        )

    def update_customers(self, items: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """`PUT /v3/customers` in batches; each item carries its `id`. Addresses are not
        updated by it (spec)."""
        return self.batched(
            "PUT",
            resources.CUSTOMERS,
            items,
            self.settings.customers_batch,
            entity="customer",
            key_of=_customer_key,
        )
