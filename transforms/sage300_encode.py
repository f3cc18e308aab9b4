"""Canonical records -> Sage 300 Web API payloads: what the Sage 300 adapters write (pure).

The mappings in `transforms/mappings/sage300/*.yaml` are authoritative (which field carries
what, the merchant's codes, the Sage dictionary lengths); this module adds what the generic
`apply` cannot express: customer numbers, the store key, lines and charges, look-ups by text,
and the length check that refuses a value instead of cutting it (`common.check_lengths`).

* `customer_number(customer)`: the deterministic ARCUS number (`customer.yaml`
  `tables.number_prefix` says how): `S1042` for Shift4Shop customer 1042, `SX` + 10 base32
  characters of a SHA-256 of the store key for guests and other ids. A POST that hits
  RecordDuplicate on the number after a lost answer is the same customer; a duplicate whose
  e-mail is not the shopper's is a collision (or a number a person typed): the caller takes
  `customer_number(customer, attempt=1)`, ... (a different hash each attempt).
* `customer_payload` -> ARCustomers; `order_payload` -> OEOrders (item lines, shipping and tax
  as miscellaneous charges, the order discount); `receipt_payload` -> an A/R receipt batch with
  the payment's prepayment entry; `receipt_batch` joins such bodies into one batch of many
  entries (one Web API request for the receipts of a whole load batch of orders).
* `hash_payload(order)`: what an order write sends, with placeholders for the ids the loader
  resolves (customer and order numbers), so the hash is known before anything is written.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from transforms.canonical import Address, Customer, Order, OrderLine, Payment, PaymentStatus
from transforms.mapping import FieldMapping, MappingError, apply, fingerprint
from transforms.sage300_common import (
    EncodeError,
    check_lengths,
    columns,
    mapping,
    store_key,
)

CENT = Decimal("0.01")
NUMBER_MAX = 12  # ARCUS.IDCUST String*12
MAPPINGS = ("customer", "order", "order_line", "receipt", "receipt_entry")


def _apply(
    m: FieldMapping, record: Any, ctx: Mapping[str, Any], key: str, *, creating: bool = True
) -> dict[str, Any]:
    try:
        payload = apply(m, record, creating=creating, ctx=ctx, nested=False)
    except MappingError as exc:
        raise EncodeError(key, exc.mapping, exc.field, exc.source, exc.reason) from None
    check_lengths(payload, m, key)
    return payload


def _person(address: Address | None) -> str | None:
    parts = [getattr(address, k, None) for k in ("first_name", "last_name")]
    return " ".join(p for p in parts if p) or None


def _merchant(m: FieldMapping, given: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**m.tables.get("merchant", {}), **(given or {})}


def first_match(table: Mapping[str, Any], *texts: str | None) -> Any:
    """The value of the first key of `table` found as a word in the texts (ignoring case:
    `ups` is in "UPS® Ground", not in "Groups"), else the table's `_default` (None without)."""
    haystack = " ".join(t for t in texts if t).casefold()
    for key, value in table.items():
        word = rf"(?<![a-z0-9]){re.escape(str(key).casefold())}(?![a-z0-9])"
        if key != "_default" and re.search(word, haystack):
            return value
    return table.get("_default")


# --- customers ---------------------------------------------------------------------------------
def customer_number(customer: Customer, attempt: int = 0) -> str:
    """The ARCUS number storebridge gives a store's shopper (module docstring).

    Raises:
        EncodeError: the store system has no prefix in `customer.yaml` `tables.number_prefix`.
    """
    m = mapping("customer")
    prefix = m.tables.get("number_prefix", {}).get(customer.ref.system)
    if not prefix:
        raise EncodeError(
            customer.ref.key,
            m.name,
            "CustomerNumber",
            "ref.system",
            f"no prefix for {customer.ref.system!r} in table 'number_prefix'",
        )
    rid = customer.ref.id
    body_max = NUMBER_MAX - len(prefix)
    if attempt == 0 and re.fullmatch(r"[1-9][0-9]*", rid) and len(rid) <= body_max:
        return f"{prefix}{rid}"
    salt = f"#{attempt}" if attempt else ""
    digest = hashlib.sha256(f"{customer.ref.key}{salt}".encode()).digest()
    return f"{prefix}X{base64.b32encode(digest).decode()[: body_max - 1]}"


def _customer_record(customer: Customer) -> Customer:
    """The customer as ARCUS keeps it: one address (billing, else shipping)."""
    if customer.billing_address is None and customer.shipping_address is not None:
        return customer.model_copy(update={"billing_address": customer.shipping_address})
    return customer


def customer_payload(
    customer: Customer,
    number: str,
    merchant: Mapping[str, Any] | None = None,
    *,
    creating: bool = True,
) -> dict[str, Any]:
    """The ARCustomers body of `customer` under `number` (`creating=False`: the PATCH body,
    without the fields Sage 300 owns). `merchant` overrides `tables.merchant` (group, terms...).

    Raises:
        EncodeError: a text too long for its column, or CustomerName empty.
    """
    m = mapping("customer")
    record = _customer_record(customer)
    name = _person(record.billing_address) or " ".join(
        p for p in (customer.first_name, customer.last_name) if p
    )
    ctx = {**_merchant(m, merchant), "number": number, "contact_name": name or None}
    return _apply(m, record, ctx, customer.ref.key, creating=creating)


# --- orders ------------------------------------------------------------------------------------
def item_number(sku: str) -> str:
    """The unformatted item number (ICITEM.ITEMNO) of a store SKU (`order_line.yaml`
    `tables.item`)."""
    rule = mapping("order_line").tables.get("item", {})
    item = sku.strip()
    if rule.get("upper", True):
        item = item.upper()
    for char in str(rule.get("remove") or ""):
        item = item.replace(char, "")
    return item


def _line(
    n: int, line: OrderLine, order: Order, ctx: Mapping[str, Any], units: Mapping[str, str]
) -> dict[str, Any]:
    m = mapping("order_line")
    item = item_number(line.sku)
    where = f"{order.ref.key} lines.{n}"
    if not item:
        raise EncodeError(where, m.name, "Item (ITEM)", "sku", "the SKU has no item number")
    return _apply(m, line, {**ctx, "item": item, "unit": units.get(item)}, where)


def _charges(order: Order, merchant: Mapping[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """The miscellaneous charge lines of shipping and tax, and the tax written on the header
    (`order.yaml` `tables.charges`: each `as` misc, header (tax only) or none)."""
    m, lines, header_tax = mapping("order"), [], None
    for kind in ("shipping", "tax"):
        amount = getattr(order, kind)
        rule = m.tables["charges"][kind]
        how = str(merchant.get(f"{kind}_as", rule.get("as", "misc")) or "none")
        code = merchant.get(f"{kind}_charge", rule.get("code"))
        if amount is None or amount.amount == 0 or how == "none":
            continue
        if how == "header" and kind == "tax":
            header_tax = amount.amount.quantize(CENT)
            continue
        if how != "misc" or not code:
            raise EncodeError(
                order.ref.key,
                m.name,
                f"charges.{kind}",
                kind,
                f"{how!r} with code {code!r} is no way to write it (misc with a code, "
                "header for tax, or none)",
            )
        limit = int(columns(mapping("order_line"))["MiscellaneousChargesCode"]["max"])
        if len(str(code)) > limit:
            raise EncodeError(
                order.ref.key,
                m.name,
                f"charges.{kind} (MISCCHARGE)",
                kind,
                f"the charge code has {len(str(code))} characters, at most {limit}",
            )
        lines.append(
            {
                "LineType": "Miscellaneous",
                "MiscellaneousChargesCode": str(code),
                "ExtendedAmount": amount.amount.quantize(CENT),
            }
        )
    return lines, header_tax


def order_discount(order: Order) -> Decimal | None:
    """The order-level discount not already on the lines: stores report the order's discount
    including the lines' (BigCommerce's line discounts are shares of it), so the rest is
    written on the header; when the lines' exceed it, the two were reported apart and the
    order's is written whole. None: no discount."""
    whole = order.discount.amount if order.discount is not None else Decimal(0)
    on_lines = sum((ln.discount.amount for ln in order.lines if ln.discount), Decimal(0))
    rest = whole - on_lines if on_lines <= whole else whole
    return rest if rest > 0 else None


def order_payload(
    order: Order,
    customer_number: str,
    merchant: Mapping[str, Any] | None = None,
    *,
    timezone: str = "UTC",
    units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The OEOrders body of `order` for the customer `customer_number`. `merchant` overrides
    `order.yaml` `tables.merchant` (location, price_list, tax_group, description; plus
    `shipping_charge` / `tax_charge` codes, `shipping_as` / `tax_as` (misc, header, none: see
    `tables.charges`) and a fixed `ship_via`); `timezone` is the store's
    (OrderDate is the order's day there); `units` maps item numbers to their unit of measure.

    Raises:
        EncodeError: naming the record (`shift4shop:order:1001`, `... lines.0`) and the field.
    """
    m = mapping("order")
    given = _merchant(m, merchant)
    try:
        reference = store_key(order.ref)
    except ValueError as exc:
        raise EncodeError(order.ref.key, m.name, "OrderReference", "ref", str(exc)) from None
    base = {"location": given.get("location"), "timezone": timezone}
    details = [_line(n, ln, order, base, units or {}) for n, ln in enumerate(order.lines)]
    charges, header_tax = _charges(order, given)
    details += charges
    shipment = order.shipments[0] if order.shipments else None
    ship_via = given.get("ship_via") or first_match(
        m.tables.get("ship_via", {}),
        shipment.service if shipment else None,
        shipment.carrier if shipment else None,
    )
    template = str(given.get("description") or "")
    bill, ship = order.billing_address, order.shipping_address
    ctx = {
        **given,
        "timezone": timezone,
        "customer_number": customer_number,
        "reference": reference,
        "description": template.format(number=order.number, system=order.ref.system) or None,
        "bill_to_name": (bill.company if bill else None) or _person(bill),
        "ship_to_name": (ship.company if ship else None) or _person(ship),
        "bill_to_contact": _person(bill),
        "ship_to_contact": _person(ship),
        "ship_via": ship_via,
        "details": details,
        "order_discount": order_discount(order),
        "tax_overridden": True if header_tax is not None else None,
        "tax_amount": header_tax,
    }
    return _apply(m, order, ctx, order.ref.key)


# --- payments ----------------------------------------------------------------------------------
def receivable(payment: Payment) -> bool:
    """True for the payments that become receipts (`receipt.yaml` `tables.kinds`)."""
    kinds = mapping("receipt").tables.get("kinds", {})
    return payment.status is PaymentStatus.SUCCEEDED and bool(kinds.get(payment.kind.value))


def _local_day(moment: dt.datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone or "UTC")).date().isoformat()


def receipt_payload(
    payment: Payment,
    order: Order,
    customer_number: str,
    order_number: str,
    merchant: Mapping[str, Any] | None = None,
    *,
    timezone: str = "UTC",
) -> dict[str, Any]:
    """The ARReceiptAndAdjustmentBatches body (a CA batch with one prepayment entry) of
    `payment` of `order`, applied to the Sage order `order_number` (OEORDH.ORDNUMBER) of
    customer `customer_number`. `merchant` may fix `bank_code`, `payment_code` and the
    `receipt_description` template (`receipt_entry.yaml` `tables.merchant`); `timezone` is the
    store's (the batch and receipt date are the payment's day there).

    Raises:
        EncodeError: naming the payment record and the field.
    """
    batch_map, entry_map = mapping("receipt"), mapping("receipt_entry")
    key = payment.ref.key
    try:
        reference = store_key(payment.ref)
    except ValueError as exc:
        raise EncodeError(key, batch_map.name, "Description", "ref", str(exc)) from None
    found = first_match(batch_map.tables.get("gateways", {}), payment.gateway, payment.method)
    codes = dict(found) if isinstance(found, Mapping) else {}
    given = {**_merchant(entry_map, None), **(merchant or {})}
    amount = payment.amount.amount.quantize(CENT)
    ctx = {
        "customer_number": customer_number,
        "order_number": order_number,
        "date": _local_day(payment.processed_at or order.placed_at, timezone),
        "reference": reference,
        "description": str(given.get("receipt_description") or "").format(
            number=order.number, system=order.ref.system
        )
        or None,
        "bank_code": given.get("bank_code") or codes.get("bank"),
        "payment_code": given.get("payment_code") or codes.get("payment_code"),
        "applied": [
            {
                "BatchType": "CA",
                "CustomerNumber": customer_number,
                "PaymentNumber": 1,
                "CustomerReceiptAmount": amount,
            }
        ],
    }
    entry = _apply(entry_map, payment, ctx, key)
    return _apply(batch_map, payment, {**ctx, "entries": [entry]}, key)


def receipt_payloads(
    order: Order,
    customer_number: str,
    order_number: str,
    merchant: Mapping[str, Any] | None = None,
    *,
    timezone: str = "UTC",
) -> list[tuple[Payment, dict[str, Any]]]:
    """Every receivable payment of `order` with its receipt batch body, in payment order."""
    return [
        (p, receipt_payload(p, order, customer_number, order_number, merchant, timezone=timezone))
        for p in order.payments
        if receivable(p)
    ]


RECEIPT_BATCH_MAX = 500  # entries per receipt batch (ARTCR.CNTITEM BCD*4.0 allows 9999)


def receipt_batch(bodies: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One receipt batch holding the entries of `bodies` (`receipt_payload` bodies of the same
    bank and currency), in their order. Each entry keeps its payment's store key as its
    EntryReference (ARTCR.TXTRMITREF, the look-up key); the batch's Description is the first
    entry's key (with ``+N`` for the N others, cut to BATCHDESC's 60) and its date the latest
    entry's. One body gives that body unchanged.

    Raises:
        ValueError: no bodies, more than `RECEIPT_BATCH_MAX` entries, or banks/currencies that
            differ (a batch has one bank).
    """
    if not bodies:
        raise ValueError("a receipt batch needs at least one entry")
    if len(bodies) == 1:
        return dict(bodies[0])
    banks = {(b.get("BankCode"), b.get("DefaultBankCurrency")) for b in bodies}
    if len(banks) != 1:
        raise ValueError("the entries of one receipt batch must share its bank and currency")
    entries = [e for b in bodies for e in b.get("ReceiptsAdjustments") or []]
    if len(entries) > RECEIPT_BATCH_MAX:
        raise ValueError(f"a receipt batch holds at most {RECEIPT_BATCH_MAX} entries")
    first = dict(bodies[0])
    limit = int(columns(mapping("receipt")).get("Description", {}).get("max", 60))
    first["Description"] = f"{first['Description']} +{len(bodies) - 1}"[:limit]
    first["BatchDate"] = max(str(b.get("BatchDate") or "") for b in bodies)
    first["ReceiptsAdjustments"] = entries
    return first


# --- hashing -----------------------------------------------------------------------------------
def mappings_fingerprint() -> str:
    """A hash of the write mappings: changes when one of them does."""
    return fingerprint(*(mapping(name) for name in MAPPINGS))


def hash_payload(
    order: Order,
    merchant: Mapping[str, Any] | None = None,
    *,
    timezone: str = "UTC",
    units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What writing `order` sends (the OEOrders body and its receipts), with `<customer>` and
    `<order_number>` for the ids the loader resolves: hash it to know whether an order changed
    (lines, totals, payments) before anything is looked up."""
    return {
        "order": order_payload(order, "<customer>", merchant, timezone=timezone, units=units),
        "receipts": [
            body
            for _, body in receipt_payloads(
                order, "<customer>", "<order_number>", merchant, timezone=timezone
            )
        ],
    }
