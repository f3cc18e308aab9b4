"""Salesforce as the target of orders: Order, OrderItems and payments (REST API v59.0).

The generic exporter sequence, with Salesforce's rules as its hooks:

1. validate before any write: an e-mail to match the customer by, a status the mapping knows,
   one active PricebookEntry per SKU (queried in URL-sized chunks, cached for the run);
2. dependencies first: the customer (`customers.Customers`: linked by e-mail, or created);
3. map the header (written as Draft: real orgs only create and edit items of Draft orders), the
   items (existing ones updated by Id, new ones upserted by external id under their Order, items
   of a changed SKU replaced, removed lines deleted), and the wanted status;
4. write: every write goes to the session's packer, so one `/composite` call carries up to 1,000
   records of several orders (customer → order → items → status, children pointing at their
   parents by external id), or Bulk API 2.0 jobs for large loads;
5. an order is done when its last write answered. Its status is set in the same packed stream
   right after its items; if an item was refused after all, the order is set back to Draft and
   dead-lettered (no half-loaded order stays Activated).

Lost answers are handled as the platform's outcomes say: an OrderItem whose create was applied
refuses its create-only fields on the retry and is upserted again without them; a delete that
already happened answers ENTITY_IS_DELETED and counts as done.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, cast

from connectors.salesforce.bulk import composite_cost, cost
from connectors.salesforce.models import SaveResult
from connectors.salesforce.resources import EXTERNAL_ID_FIELD as EXT
from connectors.salesforce.resources import NOT_UPDATEABLE
from connectors.salesforce.writer import Write
from flows.ports import Context, Item, LoadResult, Outcome, failed
from flows.systems.salesforce.customers import Customers, Resolved
from flows.systems.salesforce.session import Job, Session, Tracker, slim
from transforms.canonical import Entity, Order, digest
from transforms.mapping import MappingError, Symbolic, apply, fingerprint, load_mapping

SF = "salesforce"
ORDER, ITEM, PAYMENT = "Order", "OrderItem", "Storebridge_Payment__c"
DRAFT = "Draft"
ALREADY_DELETED = "ENTITY_IS_DELETED"
# For the cost model of a large load: writes per order of each group (items ~2.5, activations
# ~0.8, a new customer ~0.35 of an order). A group whose composite calls would cost more than a
# Bulk 2.0 job goes through Bulk.
WRITES_PER_ORDER = {
    (ORDER, 2): 1.0,
    (ITEM, 4): 2.5,
    (ORDER, 5): 0.8,
    ("Account", 0): 0.35,
    ("Contact", 1): 0.35,
}


# What the fulfilment codec reads back from an Order (its echo): kept from the written header.
ECHO_FIELDS = (
    EXT,
    "Fulfillment_Status__c",
    "Tracking_Number__c",
    "Carrier__c",
    "Shipping_Service__c",
    "Shipped_Date__c",
)


class OrderHasher:
    """What an order write sends (pure): header and item update payloads, and the status."""

    binding_entity = ORDER

    def __init__(
        self,
        status_overrides: dict[str, str] | None = None,
        payment_object: bool = False,
        timezone: str = "UTC",
    ) -> None:
        self.timezone = timezone
        self.order = load_mapping("salesforce/order").with_tables(
            {"status": status_overrides or {}}
        )
        self.item = load_mapping("salesforce/order_item")
        self.payment = load_mapping("salesforce/payment")
        self.payment_object = payment_object
        self.fingerprint = fingerprint(self.order, self.item, self.payment) + str(payment_object)

    def status(self, order: Order) -> str:
        table = self.order.tables["status"]
        value = table.get(order.status.value, table.get("_default"))
        if value is None:
            raise MappingError(
                "salesforce/order",
                "Status",
                "status",
                f"{order.status.value!r} has no entry in tables.status",
            )
        return str(value)

    def payload_hash(self, o: Order) -> str:
        sym = Symbolic(timezone=self.timezone)
        lines = [
            (ln.ref.id, ln.sku, apply(self.item, ln, creating=False, ctx=sym)) for ln in o.lines
        ]
        payments = (
            [apply(self.payment, p, creating=False, ctx=sym) for p in o.payments]
            if (self.payment_object)
            else []
        )
        return digest(
            self.fingerprint,
            o.customer.ref.key,
            apply(self.order, o, creating=False, ctx=sym),
            lines,
            payments,
            self.status(o),
        )


class OrderTarget:
    """`Target[Order]`: order-to-cash into one Salesforce org (see the module docstring)."""

    system = SF
    entity = Entity.ORDER
    binding_entity = ORDER

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        settings = self.session.client.settings
        self.hasher = OrderHasher(
            settings.order_status_map, settings.payment_object, settings.timezone
        )
        self.customers = Customers(self.session, ctx.state, ctx)
        self.tracker = Tracker()
        self.timezone = settings.timezone
        self.bulk_min = settings.bulk_min_records

    # --- Target protocol ----------------------------------------------------------------------
    def payload_hash(self, record: Order) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Order) -> str | None:
        if not record.customer.email:
            return (
                f"{record.ref.key}: customer.email is empty: Salesforce Contacts are "
                "matched and created by e-mail"
            )
        try:
            self.hasher.status(record)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def expect(self, total: int | None) -> None:
        """Pick the packer of each write group for a load of about `total` orders: a Bulk 2.0
        job for a group where it costs fewer calls than packed composite requests (or, with
        `bulk_min_records`, for groups at least that large)."""
        if not total:
            return
        groups = set()
        for group, per_order in WRITES_PER_ORDER.items():
            n = int(total * per_order)
            if self.bulk_min is not None:
                if n >= self.bulk_min:
                    groups.add(group)
            elif cost(n) < composite_cost(n):
                groups.add(group)
        self.session.use_bulk(groups)

    def load(self, items: Sequence[Item[Order]]) -> LoadResult:
        done: list[Outcome] = []
        entries, unknown = self.session.lookups.price_entries(
            ln.sku for i in items for ln in i.record.lines
        )
        pricebook_id, pricebook_name = self.session.lookups.pricebook()
        ready = []
        for item in items:
            bad = [
                f"lines.{n}.sku {ln.sku!r} {unknown[ln.sku]} in price book {pricebook_name!r}"
                for n, ln in enumerate(item.record.lines)
                if ln.sku not in entries
            ]
            if bad:
                done.append(failed(item, "UnknownSkuError", "; ".join(bad)))
            else:
                ready.append(item)
        self.customers.screen.expect((i.ref, i.record.customer) for i in ready)
        found, problems = self.customers.resolve([i.record.customer for i in ready])
        existing = self.session.lookups.order_items(
            [i.binding.target_id for i in ready if i.binding is not None]
        )
        for item in ready:
            key = item.record.customer.ref.id
            if key in problems:
                customer, why = item.record.customer, problems[key]
                done.append(
                    self.customers.screen.failure(item, customer, why, "CustomerMatchError")
                )
                continue
            try:
                self._enqueue(item, found[key], entries, pricebook_id, existing)
            except MappingError as exc:
                done.append(failed(item, "MappingError", str(exc)))
        self.session.pump()
        return self._result(done)

    def finish(self) -> LoadResult:
        self.session.pump(force=True)
        while self.session.writer.pending:  # compensations queued by the last answers
            self.session.pump(force=True)
        return self._result([])

    def close(self) -> None:
        self.session.close()

    # --- mapping and queueing -----------------------------------------------------------------
    def _enqueue(
        self,
        item: Item[Order],
        customer: Resolved,
        entries: dict[str, str],
        pricebook_id: str,
        existing: dict[str, dict[str, Any]],
    ) -> None:
        order = item.record
        ext = order.ref.key
        sf_id = item.binding.target_id if item.binding is not None else None
        ctx = {
            **customer.order_ctx(),
            "pricebook_id": pricebook_id,
            "timezone": self.timezone,
            "description": f"{order.ref.system} order {order.number}",
        }
        header = {EXT: ext, **apply(self.hasher.order, order, creating=item.creating, ctx=ctx)}
        writes = [Write((ORDER, ext), ORDER, "upsert", header, EXT, stage=2, after=customer.deps)]
        writes += self._items(order, sf_id, entries, existing)
        if self.hasher.payment_object:
            writes += [
                Write(
                    (PAYMENT, p.ref.key),
                    PAYMENT,
                    "upsert",
                    {
                        EXT: p.ref.key,
                        **apply(
                            self.hasher.payment,
                            p,
                            creating=item.creating,
                            ctx={"order_ref": {EXT: ext}},
                        ),
                    },
                    EXT,
                    stage=4,
                    after=((ORDER, ext),),
                )
                for p in order.payments
            ]
        summary = {
            "ref": order.ref.model_dump(mode="json"),
            "number": order.number,
            "skus": order.skus,
            "status": order.status.value,
        }
        echo = {k: header[k] for k in ECHO_FIELDS if k in header} if item.creating else None
        job = self.tracker.start(Job(slim(item, summary), target_id=sf_id, payload=echo))
        job.extra["customer_ext"] = customer.ext
        status = self.hasher.status(order)
        if status != DRAFT:  # activated only once every item answered (see the docstring)
            job.extra["status"] = status
            job.on_done = self._activate
        if not self.session.bulk:  # item updates without create-only fields, for lost answers
            job.extra["again"] = {
                ln.ref.key: {EXT: ln.ref.key, **apply(self.hasher.item, ln, creating=False)}
                for ln in order.lines
            }
        keys = self.session.add(writes, self._answered)
        self.tracker.wait(job, keys)

    def _items(
        self,
        order: Order,
        sf_id: str | None,
        entries: dict[str, str],
        existing: dict[str, dict[str, Any]],
    ) -> list[Write]:
        ext = order.ref.key
        writes: list[Write] = []
        wanted = {ln.ref.key for ln in order.lines}
        mine = {k: r for k, r in existing.items() if sf_id and r["OrderId"] == sf_id}
        replaced: list[Hashable] = []
        for key, row in mine.items():
            line = next((ln for ln in order.lines if ln.ref.key == key), None)
            if line is None or row["PricebookEntryId"] != entries[line.sku]:
                writes.append(
                    Write(
                        ("Delete", row["Id"]),
                        ITEM,
                        "delete",
                        {"Id": row["Id"]},
                        stage=3,
                        after=((ORDER, ext),),
                    )
                )
                replaced.append(("Delete", row["Id"]))
        for line in order.lines:
            found = mine.get(line.ref.key)
            if found is not None and found["PricebookEntryId"] == entries[line.sku]:
                body = {"Id": found["Id"], **apply(self.hasher.item, line, creating=False)}
                writes.append(
                    Write(
                        (ITEM, line.ref.key), ITEM, "update", body, stage=4, after=((ORDER, ext),)
                    )
                )
                continue
            ctx = {
                "order_id": sf_id,
                "order_ref": None if sf_id else {EXT: ext},
                "pricebook_entry_id": entries[line.sku],
            }
            body = {EXT: line.ref.key, **apply(self.hasher.item, line, ctx=ctx)}
            writes.append(
                Write(
                    (ITEM, line.ref.key),
                    ITEM,
                    "upsert",
                    body,
                    EXT,
                    stage=4,
                    after=((ORDER, ext), *replaced),
                )
            )
        assert wanted >= {w.key[1] for w in writes if w.key[0] == ITEM}  # type: ignore[index]
        return writes

    # --- answers ------------------------------------------------------------------------------
    def _answered(self, key: Hashable, result: SaveResult) -> None:
        kind, name = cast(tuple[str, str], key)
        job = self.tracker.job_of(key)
        if job is None:
            return
        if kind == ORDER:
            if result.success and result.id:
                job.target_id = result.id
            else:
                why = self.customers.failed.get(job.extra.get("customer_ext") or "", "")
                self.tracker.fail(
                    job,
                    "RecordError",
                    f"Salesforce refused the Order: "
                    f"{result.error_text}" + (f" ({why})" if why else ""),
                )
        elif kind == ITEM and not result.success:
            if result.has_code(NOT_UPDATEABLE) and self._retry_item(job, name):
                pass
            else:
                self.tracker.fail(
                    job, "RecordError", f"Salesforce refused OrderItem {name}: {result.error_text}"
                )
        elif kind == "Delete" and not result.success and not result.has_code(ALREADY_DELETED):
            self.tracker.fail(
                job, "RecordError", f"could not delete a replaced OrderItem: {result.error_text}"
            )
        elif kind == "Status":
            self._status_answered(job, name, result)
        elif kind == PAYMENT and not result.success:
            self.tracker.fail(
                job, "RecordError", f"Salesforce refused payment {name}: {result.error_text}"
            )
        self.tracker.answered(key)

    def _retry_item(self, job: Job, line_key: str) -> bool:
        """The item exists (its create landed, the answer was lost): update it by external id
        without the create-only fields, once. The order is still Draft (its status is only sent
        once every item answered), so the update is allowed."""
        body = job.extra.get("again", {}).get(line_key)
        if body is None or line_key.endswith("#again"):
            return False
        again = Write((ITEM, f"{line_key}#again"), ITEM, "upsert", body, EXT, stage=4)
        self.tracker.wait(job, self.session.add([again], self._answered))
        return True

    def _activate(self, job: Job) -> None:
        """Every write of the order answered without an error: set its status (Activated ...)."""
        ext = job.item.ref.key
        status = Write(
            ("Status", ext),
            ORDER,
            "upsert",
            {EXT: ext, "Status": job.extra["status"]},
            EXT,
            stage=5,
        )
        self.tracker.wait(job, self.session.add([status], self._answered))

    def _status_answered(self, job: Job, name: str, result: SaveResult) -> None:
        if not result.success:
            self.tracker.fail(
                job, "RecordError", f"could not set the order's status: {result.error_text}"
            )

    def _result(self, done: list[Outcome]) -> LoadResult:
        counters = dict(self.customers.counters)
        self.customers.counters.clear()
        return LoadResult([*done, *self.tracker.take()], self.customers.take_binds(), counters)
