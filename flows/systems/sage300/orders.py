"""Sage 300 as the target of orders: O/E orders (`OE/OEOrders`) and their payments as A/R
prepayments (`AR/ARReceiptAndAdjustmentBatches`).

The Web API writes one record per request and has no upsert by an external id, and OEOrders
takes GET and POST only. So the generic exporter sequence becomes, per batch:

1. validate before any write: an e-mail to link the customer by, a store key that fits
   OrderReference, and every SKU an active, sellable ICITEM: ONE ODBC query per batch for the
   item numbers not looked up yet in the run (cached); an unknown SKU is a dead letter naming the
   order and the SKU;
2. look every order to create up by its store key (`OEORDH.REFERENCE` = OrderReference
   ``storebridge:<store>:<id>``): ONE ODBC query per batch. Found = Sage has it already (a POST
   applied whose answer was lost, in this run or one that died before recording it): it is bound
   in xref, never POSTed again;
3. customers first (`customers.Customers`): linked by e-mail over ODBC (ARCUS.EMAIL2, one query
   per batch), else created under the deterministic customer number (a RecordDuplicate on that
   number, with the shopper's e-mail, is success);
4. then each order: POST OEOrders. A refusal is a dead letter with Sage's message. A 5xx, a
   timeout or a reset (the connector's `Sage300WriteUnknown`: it never resends a POST itself)
   means the order may be there: it is looked up by its reference again BEFORE anything else;
   found = done (bound to the ORDUNIQ found). Not found after a 5xx (the server answered, so the
   request is over) = it was not applied, and it is POSTed again (at most `POST_ATTEMPTS` in all).
   Not found after no answer at all (a timeout: it may still be running) = a dead letter saying
   so; the next run (or a replay) looks it up first. An order is never created twice;
5. the captured payments of every order entered or found in the call: ONE receipt batch (per
   bank, at most `codec.RECEIPT_BATCH_MAX` entries) with one prepayment entry per payment,
   applied to its order number and keyed by the payment's store key in the entry's Entry
   Reference (ARTCR.TXTRMITREF). A new order has none yet; an order entered before (found, or
   bound and changed since) has its receipts looked up first (ODBC on ARTCR, one query per 500
   keys). A batch POST of unknown outcome is looked up the same way and only the entries Sage
   does not have are sent again, in a new batch. A batch Sage refuses is sent again as one
   batch per entry, so the refused payment is named in its own order's dead letter and the
   others are written.

An order changed in the store after it was entered: OEOrders cannot be PATCHed. Sage's lines are
read (ODBC, one query per batch) and compared with what would be written: equal (only payments
or header details changed, or a person already entered the change in Sage) = the new payments
are written and the order is bound to its new hash; different lines or totals = a dead letter
saying what differs and what to do (edit the order in Sage 300, then replay), until Sage holds
what the store says.

Outcomes: `written` (CREATED only for orders storebridge never wrote before, whoever answered),
with the OEOrders fields the fulfilment codec reads back as the echo of a new order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.ports import Context, Item, LoadResult, Outcome, already_there, failed, written
from flows.systems.sage300.customers import Customers, Resolved
from flows.systems.sage300.session import (
    AR_RECEIPT_BATCHES,
    OE_ORDERS,
    OEORDH,
    POST_ATTEMPTS,
    SAGE,
    Posted,
    Row,
    Session,
    uniquifier,
)
from transforms import sage300 as codec
from transforms.canonical import Entity, Order, digest
from transforms.mapping import MappingError

MISC = "Miscellaneous"
LineKey = tuple[str, str, Decimal | None, Decimal | None]


class OrderHasher:
    """What an order write sends (pure): the OEOrders body and its receipts, with placeholders
    for the customer and order numbers (`transforms.sage300.hash_payload`)."""

    binding_entity = OEORDH

    def __init__(self, timezone: str = "UTC") -> None:
        self.timezone = timezone
        self.fingerprint = codec.mappings_fingerprint()

    def payload_hash(self, o: Order) -> str:
        body = codec.hash_payload(o, timezone=self.timezone)
        return digest(self.fingerprint, o.customer.ref.key, body)


@dataclass(frozen=True)
class Entered:
    """An order Sage 300 holds: its uniquifier (the binding), number and customer."""

    orduniq: str
    number: str
    customer: str


@dataclass(frozen=True)
class Receipt:
    """One receipt to write: its payment's store key (the entry reference), the payment id
    (named in a dead letter) and its one-entry receipt batch body."""

    key: str
    payment: str
    body: dict[str, Any]


@dataclass
class Pending:
    """An order entered or found in this call whose receipts are written with the call's batch.

    Attributes:
        item: the order.
        entered: what Sage holds of it.
        receipts: the receipts Sage does not have yet.
        echo: the OEOrders fields of a `written` outcome with an echo (None: none).
        prefix: what a receipt failure's dead letter starts with (the Sage order number).
    """

    item: Item[Order]
    entered: Entered
    receipts: list[Receipt] = field(default_factory=list)
    echo: dict[str, Any] | None = None
    prefix: str = ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def wanted_lines(payload: dict[str, Any]) -> Counter[LineKey]:
    """The lines an OEOrders body asks for: items (item, quantity, price), charges (code,
    amount)."""
    out: Counter[LineKey] = Counter()
    for d in payload.get("OrderDetails") or []:
        if d.get("LineType") == MISC:
            code = str(d.get("MiscellaneousChargesCode") or "")
            out[(MISC, code, _decimal(d.get("ExtendedAmount")), None)] += 1
        else:
            out[
                (
                    "Item",
                    str(d.get("Item") or ""),
                    _decimal(d.get("QuantityOrdered")),
                    _decimal(d.get("PricingUnitPrice")),
                )
            ] += 1
    return out


def held_lines(rows: Iterable[Row]) -> Counter[LineKey]:
    """The same of the OEORDD rows Sage holds (LINETYPE 1 item, 2 miscellaneous charge)."""
    out: Counter[LineKey] = Counter()
    for r in rows:
        if int(r.get("LINETYPE") or 1) == 2:
            out[(MISC, str(r.get("MISCCHARGE") or ""), _decimal(r.get("EXTINVMISC")), None)] += 1
        else:
            price = _decimal(r.get("PRIUNTPRC")) or _decimal(r.get("UNITPRICE"))
            out[("Item", str(r.get("ITEM") or ""), _decimal(r.get("QTYORDERED")), price)] += 1
    return out


def _shown(lines: Counter[LineKey]) -> str:
    parts = []
    for (kind, code, a, b), n in sorted(lines.items(), key=str):
        text = f"{code} x {a} @ {b}" if kind != MISC else f"charge {code} {a}"
        parts.append(text if n == 1 else f"{n} x ({text})")
    return ", ".join(parts) or "none"


def differences(payload: dict[str, Any], rows: Iterable[Row]) -> str | None:
    """What differs between the lines Sage holds and those the store order now has (None:
    the same)."""
    want, have = wanted_lines(payload), held_lines(rows)
    if want == have:
        return None
    return f"Sage 300 has {_shown(have - want)} where the store has {_shown(want - have)}"


class OrderTarget:
    """`Target[Order]`: order-to-cash into one Sage 300 company (see the module docstring)."""

    system = SAGE
    entity = Entity.ORDER
    binding_entity = OEORDH

    def __init__(self, ctx: Context, session: Session | None = None) -> None:
        self.session = session or Session()
        self.timezone = self.session.timezone
        self.hasher = OrderHasher(self.timezone)
        self.customers = Customers(self.session, ctx.state, ctx)
        self.units: dict[str, str] = {}  # item number -> its stocking unit (ICITEM.STOCKUNIT)

    # --- Target protocol ----------------------------------------------------------------------
    def payload_hash(self, record: Order) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Order) -> str | None:
        if not record.customer.email:
            return (
                f"{record.ref.key}: customer.email is empty: Sage 300 customers are linked "
                "(ARCUS.EMAIL2) and created by e-mail"
            )
        try:
            codec.store_key(record.ref)
        except ValueError as exc:
            return f"{record.ref.key}: OrderReference (OEORDH.REFERENCE): {exc}"
        return None

    def load(self, items: Sequence[Item[Order]]) -> LoadResult:
        done: list[Outcome | Pending] = []
        ready = self._with_known_items(items, done)
        creating = [i for i in ready if i.binding is None]
        bound = [i for i in ready if i.binding is not None]
        references = {i.ref.key: codec.store_key(i.record.ref) for i in creating}
        existing = self.session.db.orders_by_reference(references.values()) if creating else {}
        found = {k: existing[r] for k, r in references.items() if r in existing}
        # what Sage holds of the orders entered before: their headers and lines, their receipts
        keys = [uniquifier(r["ORDUNIQ"]) for r in found.values()]
        keys += [i.binding.target_id for i in bound if i.binding is not None]
        headers, lines = self._entered(keys)
        before = [i for i in creating if i.ref.key in found] + bound
        present = self._receipts_present(k for i in before for k in self._receipt_keys(i.record))
        # customers first, for the orders still to be entered
        fresh = [i for i in creating if i.ref.key not in found]
        self.customers.screen.expect((i.ref, i.record.customer) for i in fresh)
        where, problems = self.customers.resolve([i.record.customer for i in fresh])
        for item in creating:
            if item.ref.key in found:
                header = headers.get(uniquifier(found[item.ref.key]["ORDUNIQ"]))
                done.append(
                    self._entered_before(item, header or found[item.ref.key], lines, present)
                )
            else:
                done.append(self._enter(item, where, problems))
        for item in bound:
            assert item.binding is not None
            header = headers.get(item.binding.target_id)
            if header is None:
                done.append(
                    failed(
                        item,
                        "OrderMissingError",
                        f"Sage 300 no longer has the order it was entered as (ORDUNIQ "
                        f"{item.binding.target_id}); it is not entered again by itself: enter "
                        "it in Sage 300 by hand or delete its binding, then replay",
                    )
                )
                continue
            done.append(self._entered_before(item, header, lines, present))
        outcomes = self._with_receipts(done)
        return LoadResult(outcomes, self.customers.take_binds(), self.session.take_counters())

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.session.close()

    # --- look-ups -----------------------------------------------------------------------------
    def _with_known_items(
        self, items: Sequence[Item[Order]], done: list[Outcome | Pending]
    ) -> list[Item[Order]]:
        """The orders whose every SKU is an active sellable item (one query for the batch)."""
        known = self.session.items({ln.sku for i in items for ln in i.record.lines})
        ready = []
        for item in items:
            bad = [
                f"lines.{n}.sku {ln.sku!r} {known[ln.sku]}"
                for n, ln in enumerate(item.record.lines)
                if isinstance(known[ln.sku], str)
            ]
            if bad:
                done.append(failed(item, "UnknownSkuError", "; ".join(bad)))
                continue
            for ln in item.record.lines:
                row = known[ln.sku]
                if isinstance(row, dict) and row.get("STOCKUNIT"):
                    self.units[str(row["ITEMNO"])] = str(row["STOCKUNIT"])
            ready.append(item)
        return ready

    def _entered(self, keys: Sequence[str]) -> tuple[dict[str, Row], dict[str, list[Row]]]:
        """Headers and lines of entered orders by ORDUNIQ (two queries per 500 orders)."""
        if not keys:
            return {}, {}
        db = self.session.db
        headers = {uniquifier(k): r for k, r in db.order_headers(keys).items()}
        lines = {uniquifier(k): rows for k, rows in db.order_lines(list(headers)).items()}
        return headers, lines

    @staticmethod
    def _receipt_keys(order: Order) -> list[str]:
        return [codec.store_key(p.ref) for p in order.payments if codec.receivable(p)]

    def _receipts_present(self, keys: Iterable[str]) -> set[str]:
        """Which of these receipt keys (ARTCR entry references) Sage has: ODBC, one query per
        500 keys (none without keys)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return set()
        return {str(k).rstrip() for k in self.session.db.receipts_by_reference(wanted)}

    # --- writes -------------------------------------------------------------------------------
    def _payload(self, order: Order, customer: str) -> dict[str, Any]:
        return codec.order_payload(order, customer, timezone=self.timezone, units=self.units)

    def _enter(
        self, item: Item[Order], where: dict[str, Resolved], problems: dict[str, str]
    ) -> Outcome | Pending:
        """A new order: POSTed (once, unless Sage says it was not applied); its receipts are
        written with the call's batch."""
        order = item.record
        customer = where.get(order.customer.ref.key)
        if customer is None:
            why = problems.get(order.customer.ref.key, "the customer was not resolved")
            kind = "CustomerMatchError" if "matches" in why else "RecordError"
            return self.customers.screen.failure(item, order.customer, why, kind)
        try:
            payload = self._payload(order, customer.number)
        except MappingError as exc:
            return failed(item, "MappingError", str(exc))
        entered = self._post_order(item, payload)
        if isinstance(entered, Outcome):
            return entered
        pending = Pending(
            item,
            entered,
            echo=self._echo(payload, entered),
            prefix=f"entered as order {entered.number}; ",
        )
        problem = self._receipts_of(pending, set())
        if problem is not None:
            return failed(item, "RecordError", f"{pending.prefix}{problem}")
        return pending

    def _post_order(self, item: Item[Order], payload: dict[str, Any]) -> Entered | Outcome:
        reference = str(payload["OrderReference"])
        posted: Posted | None = None
        for _ in range(POST_ATTEMPTS):
            posted = self.session.post(OE_ORDERS, payload)
            if posted.row is not None and posted.row.get("OrderUniquifier") not in (None, ""):
                self.session.counters["orders_entered"] += 1
                return Entered(
                    uniquifier(posted.row["OrderUniquifier"]),
                    str(posted.row.get("OrderNumber") or "").rstrip(),
                    str(payload["CustomerNumber"]),
                )
            if posted.refused is not None:
                return failed(item, "RecordError", f"Sage 300 refused the order: {posted.refused}")
            # a 5xx, a timeout (or an answer without its key): look it up before anything else
            row = self.session.db.orders_by_reference([reference]).get(reference)
            if row is not None:
                self.session.counters["orders_entered"] += 1
                self.session.counters["lost_answers"] += 1
                return self._entered_row(row)
            if not posted.answered:
                return failed(
                    item,
                    "WriteUnknownError",
                    f"the POST of the order has an unknown outcome ({posted.unknown}) and Sage "
                    "300 has no order with its reference yet: it is not sent again now (it may "
                    "still be running); the next run or a replay looks it up first",
                )
        unknown = posted.unknown if posted is not None else "not sent"
        return failed(
            item,
            "TransientError",
            f"Sage 300 did not enter the order in {POST_ATTEMPTS} attempts ({unknown})",
        )

    @staticmethod
    def _entered_row(row: Row) -> Entered:
        return Entered(
            uniquifier(row["ORDUNIQ"]),
            str(row.get("ORDNUMBER") or "").rstrip(),
            str(row.get("CUSTOMER") or "").rstrip(),
        )

    def _entered_before(
        self, item: Item[Order], header: Row, lines: dict[str, list[Row]], present: set[str]
    ) -> Outcome | Pending:
        """An order Sage holds already (found by its reference, or bound and changed since);
        the receipts Sage does not have are written with the call's batch."""
        order, entered = item.record, self._entered_row(header)
        try:
            payload = self._payload(order, entered.customer)
        except MappingError as exc:
            return failed(item, "MappingError", str(exc))
        differ = differences(payload, lines.get(entered.orduniq, []))
        if differ is not None:
            self.session.counters["orders_changed_after_entry"] += 1
            return failed(
                item,
                "OrderChangedError",
                f"changed in the store after it was entered in Sage 300 as order "
                f"{entered.number}, and OEOrders cannot be changed through the Web API (no "
                f"PATCH): {differ}. Change order {entered.number} in Sage 300 (or cancel it "
                "there and delete its binding), then replay this dead letter",
            )
        pending = Pending(item, entered, prefix=f"order {entered.number}: ")
        if item.creating:  # found by its reference: a lost answer, now bound
            self.session.counters["orders_found_by_reference"] += 1
            pending.echo = self._echo(payload, entered)
        problem = self._receipts_of(pending, present)
        if problem is not None:
            return failed(item, "RecordError", f"{pending.prefix}{problem}")
        return pending

    def _receipts_of(self, pending: Pending, present: set[str]) -> str | None:
        """Collect the receipts of `pending` Sage does not have; why they cannot be encoded."""
        entered = pending.entered
        try:
            bodies = codec.receipt_payloads(
                pending.item.record, entered.customer, entered.number, timezone=self.timezone
            )
        except MappingError as exc:
            return str(exc)
        for payment, body in bodies:
            key = str(body.get("Description") or "")
            if key not in present:
                pending.receipts.append(Receipt(key, payment.ref.id, body))
        return None

    def _with_receipts(self, done: list[Outcome | Pending]) -> list[Outcome]:
        """Write the receipts of every pending order of the call, then each order's outcome."""
        pending = [p for p in done if isinstance(p, Pending)]
        problems = self._write_receipts([r for p in pending for r in p.receipts])
        out: list[Outcome] = []
        for p in done:
            if not isinstance(p, Pending):
                out.append(p)
                continue
            problem = next((problems[r.key] for r in p.receipts if r.key in problems), None)
            if problem is not None:
                out.append(failed(p.item, "RecordError", f"{p.prefix}{problem}"))
            elif p.echo is not None:
                out.append(written(p.item, p.entered.orduniq, p.echo))
            elif p.receipts:
                out.append(written(p.item, p.entered.orduniq))
            else:
                out.append(already_there(p.item, self, p.entered.orduniq))
        return out

    def _write_receipts(self, receipts: Sequence[Receipt]) -> dict[str, str]:
        """Write `receipts` as few batches as can be (one per bank and currency, at most
        `codec.RECEIPT_BATCH_MAX` entries each); why each one not written failed, by key."""
        groups: dict[tuple[str, str], list[Receipt]] = {}
        for r in dict((r.key, r) for r in receipts).values():  # a key is written once
            bank = (str(r.body.get("BankCode") or ""), str(r.body.get("DefaultBankCurrency") or ""))
            groups.setdefault(bank, []).append(r)
        problems: dict[str, str] = {}
        size = codec.RECEIPT_BATCH_MAX
        for group in groups.values():
            for start in range(0, len(group), size):
                problems.update(self._post_batch(group[start : start + size]))
        return problems

    def _post_batch(self, receipts: list[Receipt]) -> dict[str, str]:
        """POST one receipt batch of `receipts`; after an unknown outcome, look its entry
        references up (ODBC) and send only the missing entries again, in a new batch; after a
        refusal of several entries, one batch per entry. Why each receipt not written failed."""
        todo, posted = receipts, None
        for _ in range(POST_ATTEMPTS):
            posted = self.session.post(
                AR_RECEIPT_BATCHES, codec.receipt_batch([r.body for r in todo])
            )
            if posted.row is not None:
                self.session.counters["receipts_written"] += len(todo)
                self.session.counters["receipt_batches_written"] += 1
                return {}
            if posted.refused is not None:
                if len(todo) == 1:
                    r = todo[0]
                    return {
                        r.key: f"Sage 300 refused the receipt of payment {r.payment}: "
                        f"{posted.refused}"
                    }
                # isolate the refused payment: one batch per entry
                self.session.counters["receipt_batches_refused"] += 1
                problems: dict[str, str] = {}
                for r in todo:
                    problems.update(self._post_batch([r]))
                return problems
            present = self._receipts_present(r.key for r in todo)
            missing = [r for r in todo if r.key not in present]
            if len(missing) < len(todo):  # applied, the answer was lost
                self.session.counters["receipts_written"] += len(todo) - len(missing)
                self.session.counters["lost_answers"] += 1
            if not missing:
                return {}
            if not posted.answered:
                return {
                    r.key: f"the receipt of payment {r.payment} has an unknown outcome "
                    f"({posted.unknown}); a replay looks it up before it writes it"
                    for r in missing
                }
            todo = missing
        unknown = posted.unknown if posted is not None else "not sent"
        return {
            r.key: f"Sage 300 did not take the receipt of payment {r.payment} ({unknown})"
            for r in todo
        }

    @staticmethod
    def _echo(payload: dict[str, Any], entered: Entered) -> dict[str, Any]:
        """What the fulfilment codec reads back from a new order (its echo)."""
        return {
            "OrderNumber": entered.number,
            "CustomerNumber": entered.customer,
            "OrderReference": payload.get("OrderReference"),
            "OrderDate": payload.get("OrderDate"),
            "PurchaseOrderNumber": payload.get("PurchaseOrderNumber"),
        }
