"""Salesforce as an order target: Account/Contact, Order and OrderItems, idempotently.

Per batch (exporter sequence: skip? → up to date? → dependencies first → map → write → bind):
1. orders whose payload hash equals the one bound in xref are skipped (no API call at all);
2. customers are resolved (see `salesforce_lookups`), SKUs to PricebookEntries; an order with an
   unresolvable customer or SKU is reported as a failure naming the field, the rest goes on;
3. Orders are upserted by external id as Draft (real orgs only edit items on Draft orders);
4. OrderItems: existing ones (of orders that existed) are updated by Id, new ones upserted by
   external id with the create-only fields (OrderId, PricebookEntryId), stale ones deleted;
5. orders whose mapped status is not Draft are moved to it (e.g. Activated);
6. successful orders are bound in xref with their payload hash.
Every write is an upsert or an update by Id, so a retried call or a re-run never duplicates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce import Collections, SalesforceClient
from connectors.salesforce.models import SaveResult
from connectors.salesforce.resources import EXTERNAL_ID_FIELD, NOT_UPDATEABLE
from connectors.state import BindRequest, StateStore
from flows.ports import Failure, LoadReport
from flows.systems.salesforce_lookups import SF, CustomerIds, SalesforceLookups, chunks, in_list
from transforms.canonical import Order, OrderLine, content_hash
from transforms.mapping import MappingError, apply, load_mapping, load_table

ORDER, ORDER_ITEM = "Order", "OrderItem"
Saved = tuple[Order, str, str, bool]  # order, payload hash, Salesforce Id, created


@dataclass
class ItemPlan:
    """The OrderItem writes of one order."""

    key: str  # the order's ref key
    creates: list[tuple[OrderLine, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (ext id, payload)
    deletes: list[str] = field(default_factory=list)  # OrderItem Ids


class SalesforceOrders:
    """Loads canonical orders into one Salesforce org."""

    system = SF

    def __init__(self, state: StateStore, client: SalesforceClient | None = None) -> None:
        self.client = client or SalesforceClient.from_env()
        self.collections = Collections(self.client)
        self.state = state
        self.lookups = SalesforceLookups(self.client, self.collections, state)
        self.order_map = load_mapping("salesforce/order")
        self.item_map = load_mapping("salesforce/order_item")
        self.statuses = {
            **load_table("salesforce/order_status"),
            **self.client.settings.order_status_map,
        }
        mappings = [m.model_dump(mode="json") for m in (self.order_map, self.item_map)]
        self.fingerprint = hashlib.sha256(
            json.dumps([mappings, self.statuses], sort_keys=True).encode()
        ).hexdigest()

    def payload_hash(self, order: Order) -> str:
        """Changes when the order or the mappings that shape its payload change."""
        return hashlib.sha256(f"{content_hash(order)}:{self.fingerprint}".encode()).hexdigest()

    def load_orders(self, orders: Sequence[Order]) -> LoadReport:
        """Write a batch; see the module docstring for the sequence."""
        report = LoadReport()
        todo = self._changed(orders, report)
        if not todo:
            return report
        customers, customer_problems = self.lookups.customers(
            [o.customer for o, _, _ in todo], report.counters
        )
        entries, unknown = self.lookups.price_entries(ln.sku for o, _, _ in todo for ln in o.lines)
        _, pricebook_name = self.lookups.pricebook()
        ready = []
        for order, h, creating in todo:
            if order.customer.ref.id in customer_problems:
                report.failures.append(
                    Failure.for_order(
                        order,
                        "CustomerMatchError",
                        f"{order.ref.key}: {customer_problems[order.customer.ref.id]}",
                    )
                )
                continue
            bad = [
                f"lines.{i}.sku {ln.sku!r} {unknown[ln.sku]} in price book {pricebook_name!r}"
                for i, ln in enumerate(order.lines)
                if ln.sku not in entries
            ]
            if bad:
                report.failures.append(
                    Failure.for_order(
                        order, "UnknownSkuError", f"{order.ref.key}: " + "; ".join(bad)
                    )
                )
                continue
            ready.append((order, h, creating, customers[order.customer.ref.id]))
        self._write(ready, entries, report)
        return report

    def _changed(
        self, orders: Sequence[Order], report: LoadReport
    ) -> list[tuple[Order, str, bool]]:
        """Orders to write (hash differs from the bound one), minus those failing target rules."""
        systems = {o.ref.system for o in orders}
        todo = []
        for system in systems:
            batch = [o for o in orders if o.ref.system == system]
            bound = self.state.lookup_many(system, "order", [o.ref.id for o in batch], SF, ORDER)
            for order in batch:
                h, binding = self.payload_hash(order), bound.get(order.ref.id)
                if binding is not None and binding.payload_hash == h:
                    report.unchanged.append(order.ref.id)
                elif not order.customer.email:
                    report.failures.append(
                        Failure.for_order(
                            order,
                            "ValidationError",
                            f"{order.ref.key}: customer.email is empty"
                            f"{_origin(order, 'customer.email')}: "
                            "Salesforce Contacts are matched and created by e-mail",
                        )
                    )
                else:
                    todo.append((order, h, binding is None))
        return todo

    def _write(
        self,
        ready: list[tuple[Order, str, bool, CustomerIds]],
        entries: dict[str, str],
        report: LoadReport,
    ) -> None:
        pricebook_id, _ = self.lookups.pricebook()
        payloads, kept = [], []
        for order, h, creating, ids in ready:
            ctx = {
                "account_id": ids.account_id,
                "contact_id": ids.contact_id,
                "pricebook_id": pricebook_id,
                "timezone": self.client.settings.timezone,
                "description": f"{order.ref.system} order {order.number}",
            }
            try:
                payloads.append(
                    {
                        EXTERNAL_ID_FIELD: order.ref.key,
                        **apply(self.order_map, order, creating=creating, ctx=ctx),
                    }
                )
                kept.append((order, h))
            except MappingError as exc:
                report.failures.append(
                    Failure.for_order(order, "MappingError", f"{order.ref.key}: {exc}")
                )
        saved: list[Saved] = []
        for (order, h), res in zip(
            kept, self.collections.upsert(ORDER, EXTERNAL_ID_FIELD, payloads), strict=True
        ):
            if res.success and res.id:
                saved.append((order, h, res.id, bool(res.created)))
            else:
                report.failures.append(
                    Failure.for_order(
                        order,
                        "RecordError",
                        f"{order.ref.key}: Salesforce refused the Order: {res.error_text}",
                    )
                )
        problems = self._write_items(saved, entries)
        problems |= self._set_statuses([s for s in saved if s[0].ref.key not in problems])
        binds = []
        for order, h, sf_id, created in saved:
            if order.ref.key in problems:
                report.failures.append(
                    Failure.for_order(
                        order, "RecordError", f"{order.ref.key}: {problems[order.ref.key]}"
                    )
                )
                continue
            binds.append(BindRequest(order.ref.system, "order", order.ref.id, SF, ORDER, sf_id, h))
            (report.created if created else report.updated).append(order.ref.id)
        self.state.bind_many(binds)

    def _existing_items(self, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(order_ids)):
            for row in self.client.query(  # values are quoted by soql_quote
                f"SELECT Id, OrderId, PricebookEntryId, {EXTERNAL_ID_FIELD} FROM OrderItem "  # noqa: S608
                f"WHERE OrderId IN {in_list(chunk)} AND {EXTERNAL_ID_FIELD} != null"
            ):
                rows[row[EXTERNAL_ID_FIELD]] = row
        return rows

    def _plan_items(
        self, order: Order, sf_id: str, entries: dict[str, str], existing: dict[str, dict[str, Any]]
    ) -> ItemPlan:
        """What to do with each line of one order: update, replace (SKU changed) or create."""
        plan = ItemPlan(order.ref.key)
        for line in order.lines:
            ext, entry = line.ref.key, entries[line.sku]
            row = existing.get(ext)
            if row is not None and row["PricebookEntryId"] == entry:
                plan.updates.append(
                    (ext, {"Id": row["Id"], **apply(self.item_map, line, creating=False)})
                )
                continue
            if row is not None:  # the line's SKU changed: an entry cannot be edited, replace it
                plan.deletes.append(row["Id"])
            ctx = {"order_id": sf_id, "pricebook_entry_id": entry}
            plan.creates.append(
                (line, {EXTERNAL_ID_FIELD: ext, **apply(self.item_map, line, ctx=ctx)})
            )
        wanted = {line.ref.key for line in order.lines}
        plan.deletes += [
            r["Id"] for e, r in existing.items() if r["OrderId"] == sf_id and e not in wanted
        ]
        return plan

    def _write_items(self, saved: list[Saved], entries: dict[str, str]) -> dict[str, str]:
        """Delete replaced/removed items, then create and update; a problem per failed order."""
        existing = self._existing_items([sf_id for _, _, sf_id, created in saved if not created])
        plans = [self._plan_items(o, sf_id, entries, existing) for o, _, sf_id, _ in saved]
        problems: dict[str, str] = {}
        doomed = [(p.key, item) for p in plans for item in p.deletes]
        for (key, _), res in zip(
            doomed, self.collections.delete([i for _, i in doomed]), strict=True
        ):
            if not res.success:  # never create a replacement over an item that is still there
                problems[key] = f"could not delete a replaced OrderItem: {res.error_text}"
        plans = [p for p in plans if p.key not in problems]
        creates = [(p.key, line, payload) for p in plans for line, payload in p.creates]
        updates = [(p.key, ext, payload) for p in plans for ext, payload in p.updates]
        created = self._create_items([(line, payload) for _, line, payload in creates])
        updated = self.collections.update(ORDER_ITEM, [payload for _, _, payload in updates])
        outcomes = [
            *(
                (k, pl[EXTERNAL_ID_FIELD], r)
                for (k, _, pl), r in zip(creates, created, strict=True)
            ),
            *((k, ext, r) for (k, ext, _), r in zip(updates, updated, strict=True)),
        ]
        for key, ext, res in outcomes:
            if not res.success:
                problems[key] = f"Salesforce refused OrderItem {ext}: {res.error_text}"
        return problems

    def _create_items(self, creates: list[tuple[OrderLine, dict[str, Any]]]) -> list[SaveResult]:
        """Upsert new items; one whose first attempt landed but whose answer was lost now exists
        and refuses its create-only fields, so it is upserted again without them."""
        results = self.collections.upsert(ORDER_ITEM, EXTERNAL_ID_FIELD, [p for _, p in creates])
        again = [i for i, r in enumerate(results) if r.has_code(NOT_UPDATEABLE)]
        if again:
            retry = [
                {
                    EXTERNAL_ID_FIELD: creates[i][1][EXTERNAL_ID_FIELD],
                    **apply(self.item_map, creates[i][0], creating=False),
                }
                for i in again
            ]
            for i, res in zip(
                again, self.collections.upsert(ORDER_ITEM, EXTERNAL_ID_FIELD, retry), strict=True
            ):
                results[i] = res
        return results

    def _set_statuses(self, saved: list[Saved]) -> dict[str, str]:
        """Move orders out of Draft to their mapped status; a problem per order that could not."""
        problems: dict[str, str] = {}
        updates, owners = [], []
        for order, _, sf_id, _ in saved:
            status = self.statuses.get(order.status.value)
            if status is None:
                problems[order.ref.key] = (
                    f"status {order.status.value!r} has no entry in "
                    "transforms/mappings/salesforce/order_status.yaml"
                )
            elif status != "Draft":
                updates.append({"Id": sf_id, "Status": status})
                owners.append(order.ref.key)
        for key, res in zip(owners, self.collections.update(ORDER, updates), strict=True):
            if not res.success:
                problems[key] = f"could not set the Order Status: {res.error_text}"
        return problems

    def close(self) -> None:
        self.client.close()


def _origin(order: Order, path: str) -> str:
    """` (Shift4Shop BillingEmail)`: the source field of a canonical path, when the codec knows."""
    from flows.systems import source_field

    field = source_field(order.ref.system, path)
    return f" ({order.ref.system} {field})" if field else ""
