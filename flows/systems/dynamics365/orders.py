"""Dynamics 365 as the target of orders: salesorders, their salesorderdetails and invoices.

The generic exporter sequence, with Dataverse's rules as its hooks:

1. validate before any write: an e-mail to match the customer by, a state the mapping knows, an
   active product whose `productnumber` is each SKU (queried in URL-sized chunks, cached for the
   run; write-in products are not used);
2. dependencies first: the customer (`customers.Customers`: linked by e-mail, or its account and
   contact created in a changeset queued before the order's);
3. one atomic changeset per order: the header upserted by `storebridge_id` (Content-ID `$n`), its
   lines upserted by theirs under `$n` (a line whose product changed is deleted and written again,
   a removed line deleted), one invoice per payment taken, and, for a new order, its final state
   (a PATCH of statecode/statuscode, or the `FulfillSalesOrder` / `CancelSalesOrder` action);
4. the changesets of several orders (and their customers) are packed into `$batch` calls of up to
   1,000 requests across the run (`session.Session.pump`).

Lost answers: every write is an upsert by alternate key, so a changeset sent again updates what
the first one wrote. A new order whose changeset is refused after all is read back: when it is
there in the state we wanted (its first changeset applied, the answer was lost), it is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.ports import Context, Item, LoadResult, Outcome, failed
from flows.systems.dynamics365.customers import Customers, Resolved
from flows.systems.dynamics365.session import (
    D365,
    Job,
    Session,
    Tracker,
    Unit,
    by_alt,
    by_id,
    describe,
    quoted,
    slim,
)
from transforms import dynamics365 as codec
from transforms.canonical import Entity, Order, digest
from transforms.mapping import MappingError, Symbolic, fingerprint, load_mapping

SALESORDER, DETAIL, INVOICE = "salesorder", "salesorderdetail", "invoice"
ORDERS, DETAILS, INVOICES = "salesorders", "salesorderdetails", "invoices"
ACTIVE, CANCELED, FULFILLED = 0, 2, 3
ACTIONS = {FULFILLED: "FulfillSalesOrder", CANCELED: "CancelSalesOrder"}
# What the fulfilment codec reads back from a salesorder (its echo), kept from the header.
ECHO_COLUMNS = ("storebridge_trackingnumber", "storebridge_carrier", "storebridge_shippeddate")


class OrderHasher:
    """What an order write sends (pure): header, line and invoice payloads, the final state."""

    binding_entity = SALESORDER

    def __init__(self, state_overrides: dict[str, Any] | None = None) -> None:
        self.overrides = state_overrides or {}
        names = (SALESORDER, DETAIL, INVOICE)
        self.fingerprint = fingerprint(*(load_mapping(f"dynamics365/{n}") for n in names))

    def state(self, order: Order) -> codec.State:
        return codec.order_state(order.status, self.overrides)

    def payload_hash(self, o: Order) -> str:
        sym = Symbolic()
        lines = [
            (ln.ref.id, ln.sku, codec.encode(DETAIL, ln, creating=False, ctx=sym)) for ln in o.lines
        ]
        invoices = [
            codec.encode(INVOICE, p, creating=False, ctx=sym)
            for p in o.payments
            if codec.invoiceable(p)
        ]
        return digest(
            self.fingerprint,
            o.customer.ref.key,
            codec.encode(SALESORDER, o, creating=False, ctx=sym),
            lines,
            invoices,
            tuple(self.state(o)),
        )


class OrderTarget:
    """`Target[Order]`: order-to-cash into one Dataverse environment (see the module docstring)."""

    system = D365
    entity = Entity.ORDER
    binding_entity = SALESORDER

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        settings = self.session.settings
        self.hasher = OrderHasher(getattr(settings, "order_state_map", None))
        self.customers = Customers(self.session, ctx.state, ctx)
        self.tracker = Tracker()
        self.price_level_name = str(getattr(settings, "price_level", "Storebridge Web"))
        self.products: dict[str, dict[str, Any] | None] = {}  # SKU -> active product row

    # --- Target protocol ----------------------------------------------------------------------
    def payload_hash(self, record: Order) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Order) -> str | None:
        if not record.customer.email:
            return (
                f"{record.ref.key}: customer.email is empty: Dynamics 365 contacts are "
                "matched and created by e-mail"
            )
        try:
            self.hasher.state(record)
        except MappingError as exc:
            return f"{record.ref.key}: {exc}"
        return None

    def load(self, items: Sequence[Item[Order]]) -> LoadResult:
        done: list[Outcome] = []
        self._lookup_products({ln.sku for i in items for ln in i.record.lines})
        known = {sku for sku, row in self.products.items() if row is not None}
        ready = []
        for item in items:
            bad = codec.unknown_skus(item.record, known)
            if bad:
                done.append(failed(item, "UnknownSkuError", "; ".join(bad)))
            else:
                ready.append(item)
        if not ready:
            return self._result(done)
        price_level = self._price_level()
        self.customers.screen.expect((i.ref, i.record.customer) for i in ready)
        found, problems = self.customers.resolve([i.record.customer for i in ready])
        bound = [i.binding.target_id for i in ready if i.binding is not None]
        existing = self._lines(bound)
        for item in ready:
            key = item.record.customer.ref.id
            if key in problems:
                customer, why = item.record.customer, problems[key]
                done.append(
                    self.customers.screen.failure(item, customer, why, "CustomerMatchError")
                )
                continue
            try:
                self._enqueue(item, found[key], price_level, existing)
            except MappingError as exc:
                done.append(failed(item, "MappingError", str(exc)))
        self.session.pump()
        return self._result(done)

    def finish(self) -> LoadResult:
        self.session.pump(force=True)
        return self._result([])

    def close(self) -> None:
        self.session.close()

    # --- look-ups (cached for the run) --------------------------------------------------------
    def _lookup_products(self, skus: set[str]) -> None:
        todo = sorted(s for s in skus if s not in self.products)
        if not todo:
            return
        rows = self.session.rows_where_in(
            "products",
            "productnumber",
            todo,
            ["productid", "productnumber", "_defaultuomid_value", "statecode"],
            extra="statecode eq 0",
        )
        by_number = {str(r["productnumber"]): r for r in rows if r.get("_defaultuomid_value")}
        for sku in todo:
            self.products[sku] = by_number.get(sku)

    def _price_level(self) -> str:
        def load() -> str:
            name = self.price_level_name
            rows = list(
                self.session.client.query(
                    "pricelevels", select=["pricelevelid"], filter=f"name eq {quoted(name)}"
                )
            )
            if not rows:
                from connectors.http import ConfigError

                raise ConfigError(
                    f"Dynamics 365 has no price list named {name!r} "
                    "(STOREBRIDGE_DYNAMICS365_PRICE_LEVEL)"
                )
            return str(rows[0]["pricelevelid"])

        return str(self.session.cached("pricelevel", self.price_level_name, load))

    def _currency(self, code: str) -> str:
        def load() -> str | None:
            rows = list(
                self.session.client.query(
                    "transactioncurrencies",
                    select=["transactioncurrencyid"],
                    filter=f"isocurrencycode eq {quoted(code)}",
                )
            )
            return str(rows[0]["transactioncurrencyid"]) if rows else None

        found = self.session.cached("currency", code, load)
        if found is None:
            raise MappingError(
                "dynamics365/salesorder",
                "transactioncurrencyid",
                "currency",
                f"{code!r} is no currency of the environment",
            )
        return str(found)

    def _lines(self, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The lines Dataverse holds for bound orders, by order id."""
        out: dict[str, list[dict[str, Any]]] = {}
        if not order_ids:
            return out
        rows = self.session.rows_where_in(
            DETAILS,
            "_salesorderid_value",
            order_ids,
            ["salesorderdetailid", "storebridge_id", "_salesorderid_value", "_productid_value"],
        )
        for row in rows:
            out.setdefault(str(row["_salesorderid_value"]), []).append(row)
        return out

    # --- mapping and queueing -----------------------------------------------------------------
    def _enqueue(
        self,
        item: Item[Order],
        customer: Resolved,
        price_level: str,
        existing: dict[str, list[dict[str, Any]]],
    ) -> None:
        order, request = item.record, self.session.request
        sb_id = codec.external_key(order.ref)
        order_id = item.binding.target_id if item.binding is not None else None
        cid = self.session.content_id()
        order_bind = f"${cid}"
        ctx = {
            **customer.order_ctx(),
            "price_level": codec.bind("pricelevels", price_level),
            "currency": codec.bind("transactioncurrencies", self._currency(order.currency)),
            "description": f"{order.ref.system} order {order.number}",
        }
        header = codec.encode(SALESORDER, order, creating=item.creating, ctx=ctx)
        requests = [request("PATCH", by_alt(ORDERS, sb_id), header, content_id=cid)]
        requests += self._detail_requests(order, order_bind, existing.get(order_id or "", []))
        for p in order.payments:
            if not codec.invoiceable(p):
                continue
            body = codec.encode(
                INVOICE, p, creating=item.creating, ctx={**ctx, "order_bind": order_bind}
            )
            requests.append(request("PATCH", by_alt(INVOICES, codec.external_key(p.ref)), body))
        state = self.hasher.state(order)
        if item.creating:
            requests += self._state_requests(state, order_bind, header, sb_id)
        summary = {
            "ref": order.ref.model_dump(mode="json"),
            "number": order.number,
            "skus": order.skus,
            "status": order.status.value,
        }
        job = Job(slim(item, summary), target_id=order_id)
        if item.creating:  # what the fulfilment use case will read back: our own echo
            job.payload = {
                "storebridge_id": sb_id,
                "statecode": state.statecode,
                "statuscode": state.statuscode,
                **{k: header[k] for k in ECHO_COLUMNS if k in header},
            }
        job.extra.update(sb_id=sb_id, state=state, creating=item.creating)
        job.extra["customer"] = customer.ext
        unit = self.session.add(("order", order.ref.key), requests, self._answered)
        self.tracker.start(job, [unit.key])

    def _detail_requests(
        self, order: Order, order_bind: str, rows: list[dict[str, Any]]
    ) -> list[Any]:
        request = self.session.request
        out: list[Any] = []
        wanted = {codec.external_key(ln.ref): ln for ln in order.lines}
        have = {str(r.get("storebridge_id") or ""): r for r in rows}
        for sb, row in have.items():
            line = wanted.get(sb)
            product = self.products.get(line.sku) if line is not None else None
            if (
                line is None
                or product is None
                or row.get("_productid_value") != product["productid"]
            ):
                out.append(request("DELETE", by_id(DETAILS, str(row["salesorderdetailid"]))))
        for sb, line in wanted.items():
            product = self.products[line.sku]
            assert product is not None  # unknown SKUs were refused before
            kept = have.get(sb)
            same = kept is not None and kept.get("_productid_value") == product["productid"]
            ctx = {
                "order_bind": order_bind,
                "product_bind": codec.product_bind(product_id=str(product["productid"])),
                "uom_bind": codec.bind("uoms", str(product["_defaultuomid_value"])),
            }
            body = codec.encode(DETAIL, line, creating=not same, ctx=ctx)
            out.append(request("PATCH", by_alt(DETAILS, sb), body))
        return out

    def _state_requests(
        self, state: codec.State, order_bind: str, header: dict[str, Any], sb_id: str
    ) -> list[Any]:
        """The requests that move a new order to its final state (after its lines)."""
        request = self.session.request
        if state.statecode == ACTIVE:
            return []  # created with its Active statuscode (`create_status`)
        action = ACTIONS.get(state.statecode)
        if action is not None:
            close = {"salesorderid@odata.bind": order_bind, "subject": str(header.get("name", ""))}
            return [request("POST", action, {"OrderClose": close, "Status": state.statuscode})]
        body = {"statecode": state.statecode, "statuscode": state.statuscode}
        return [request("PATCH", by_alt(ORDERS, sb_id), body)]

    # --- answers ------------------------------------------------------------------------------
    def _answered(self, unit: Unit, answers: list[Any]) -> None:
        for job in self.tracker.jobs_of(unit.key):
            bad = next((a for a in answers if not a.ok), None)
            if bad is None and answers and answers[0].entity_id:
                job.target_id = str(answers[0].entity_id)
            elif not self._applied_before(job):
                why = self.customers.failed.get(job.extra.get("customer") or "", "")
                text = describe(bad) if bad is not None else "no id"
                self.tracker.fail(
                    job,
                    "RecordError",
                    f"Dynamics 365 refused the salesorder: {text}" + (f" ({why})" if why else ""),
                )
        self.tracker.answered(unit.key)

    def _applied_before(self, job: Job) -> bool:
        """A new order refused after all: is it there, in the wanted state (its first
        changeset applied and the answer was lost)?"""
        if not job.extra.get("creating"):
            return False
        row = self.session.client.get(ORDERS, {"storebridge_id": job.extra["sb_id"]})
        state = job.extra["state"]
        if row and (row.get("statecode"), row.get("statuscode")) == tuple(state):
            job.target_id = str(row["salesorderid"])
            return True
        return False

    def _result(self, done: list[Outcome]) -> LoadResult:
        counters = dict(self.customers.counters)
        self.customers.counters.clear()
        return LoadResult([*done, *self.tracker.take()], self.customers.take_binds(), counters)
