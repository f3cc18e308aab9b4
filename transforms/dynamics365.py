"""Codec: Microsoft Dynamics 365 / Dataverse rows (Web API v9.2) ⇄ canonical models (pure).

Decoders read the rows the connector's queries return (dicts; columns are the CDM logical names,
see `transforms/dynamics365_rows.py`) through the `*_from.yaml` mappings in
`transforms/mappings/dynamics365/`; what each column means is data there, only shape rules are
code. Writing goes through `encode` (`transforms/dynamics365_encode.py`, re-exported here) over
`account`, `contact`, `salesorder`, `salesorderdetail` and `invoice` mappings. A row that cannot
be decoded raises `DecodeError` naming the record, the canonical field and the Dataverse column
(`dynamics365:customer:<id>: email (emailaddress1): value is not a valid e-mail address`);
values are never quoted in messages (they may be personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from transforms import dynamics365_rows as rows
from transforms.canonical import Customer, Entity, Fulfillment
from transforms.dynamics365_address import address_from_row
from transforms.dynamics365_catalog import decode_product, decode_stock
from transforms.dynamics365_common import (
    DecodeError,
    Raw,
    as_row,
    as_rows,
    decode,
    ref,
    row_record,
    validate,
)
from transforms.dynamics365_encode import (
    EXTERNAL_ID,
    SYSTEM,
    State,
    bind,
    encode,
    external_key,
    invoice_state,
    invoiceable,
    literal,
    order_state,
    parse_external_key,
    product_bind,
    unknown_skus,
)
from transforms.mapping import load_mapping

__all__ = [
    "EXTERNAL_ID",
    "SYSTEM",
    "CustomerCodec",
    "DecodeError",
    "FulfillmentCodec",
    "Raw",
    "State",
    "as_row",
    "bind",
    "decode_customer",
    "decode_fulfillment",
    "decode_product",
    "decode_stock",
    "encode",
    "external_key",
    "invoice_state",
    "invoiceable",
    "literal",
    "order_state",
    "parse_external_key",
    "product_bind",
    "unknown_skus",
]

NOT_YET_SHIPPED = frozenset(
    {None, "pending", "awaiting_payment", "processing", "partially_shipped"}
)
NOON = dt.timedelta(hours=12)  # a date (no time) is taken at noon UTC: the same day everywhere

# --- customers ---------------------------------------------------------------------------------
CUSTOMER_FROM = "dynamics365/customer_from"


def decode_customer(contact_row: Raw, account_row: Raw | None = None) -> Customer:
    """A contact (with its parent account: `account_row`, else the expanded
    `parentcustomerid_account`) as a canonical Customer."""
    row = as_row(contact_row)
    account = as_row(account_row) if account_row is not None else None
    record = row_record(row, "contactid", Entity.CUSTOMER)
    contact = validate(rows.ContactRow, row, record)
    if account is None:
        expanded = row.get("parentcustomerid_account")
        account = dict(expanded) if isinstance(expanded, Mapping) else None
    data = decode(CUSTOMER_FROM, row, record)
    for target, prefix in load_mapping(CUSTOMER_FROM).tables.get("addresses", {}).items():
        parts = address_from_row(row, prefix) or (
            address_from_row(account, prefix) if account else None
        )
        if parts:
            data[target] = {**(data.get(target) or {}), **parts}
    own_name = " ".join(p for p in (contact.firstname, contact.lastname) if p)
    company = str((account or {}).get("name") or "").strip()
    if company and company.casefold() != own_name.casefold():
        data["company"] = company
    payload = {"ref": ref(Entity.CUSTOMER, contact.contactid), **data}
    return validate(Customer, payload, record, CUSTOMER_FROM)


# --- fulfilment --------------------------------------------------------------------------------
FULFILLMENT_FROM = "dynamics365/fulfillment_from"


def _line_sku(line: rows.SalesOrderDetailRow, skus: Mapping[str, str]) -> str | None:
    if line.productid is not None and line.productid.productnumber:
        return line.productid.productnumber
    return skus.get(line.product_value or "")


def decode_fulfillment(
    order_row: Raw,
    details: Sequence[Raw] = (),
    *,
    skus: Mapping[str, str] | None = None,
) -> Fulfillment:
    """A salesorder (and its salesorderdetails) as the fulfilment of the store order it was
    written from. A line's SKU is its expanded `productid.productnumber`, else `skus` (product
    GUID → product number).

    Raises:
        DecodeError: the order carries no `storebridge_id` of a store order, or a bad column.
    """
    order = as_row(order_row)
    record = row_record(order, "salesorderid", Entity.FULFILLMENT)
    head = validate(rows.SalesOrderRow, order, record)
    store_order = parse_external_key(head.storebridge_id)
    if store_order is None or store_order.entity is not Entity.ORDER:
        raise DecodeError(f"{record}: {EXTERNAL_ID} {head.storebridge_id!r} is not a store order")
    state = None
    if head.statecode is not None and head.statuscode is not None:
        state = f"{head.statecode}/{head.statuscode}"
    data = decode(FULFILLMENT_FROM, order, record, {"state_status": state})
    shipment = data.pop("shipment", {}) or {}
    data.pop("line", None)
    lines, complete = [], True
    for n, raw in enumerate(as_rows(details) or as_rows(order.get("order_details"))):
        line = validate(rows.SalesOrderDetailRow, raw, f"{record} order_details[{n}]")
        shipped = decode(FULFILLMENT_FROM, raw, record).get("line", {})
        qty = Decimal(shipped.get("quantity_shipped") or 0)
        ordered = shipped.get("quantity")
        complete = complete and (ordered is None or qty >= Decimal(ordered))
        found = parse_external_key(line.storebridge_id)
        sku = _line_sku(line, skus or {})
        if qty > 0 and sku:
            line_ref = found if found is not None and found.entity is Entity.ORDER_LINE else None
            lines.append({"sku": sku, "quantity": qty, "line": line_ref})
    if lines and data.get("status") in NOT_YET_SHIPPED:  # the shipped quantities say more
        data["status"] = "shipped" if complete else "partially_shipped"
    if shipment.get("shipped_at") is not None:
        shipment["shipped_at"] += NOON  # date_utc gave midnight of the (date-only) column
    shipments = []
    if shipment.get("tracking_number") or lines:
        sid = f"{head.salesorderid}-1"
        shipments.append({"ref": ref(Entity.SHIPMENT, sid), **shipment, "lines": lines})
    payload = {
        "ref": ref(Entity.FULFILLMENT, head.salesorderid),
        "order": store_order,
        "shipments": shipments,
        **data,
    }
    return validate(Fulfillment, payload, record, FULFILLMENT_FROM)


# --- echo suppression --------------------------------------------------------------------------
class CustomerCodec:
    """Pure decoder of written contacts for echo suppression (`flows.ports.Codec`)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        try:
            return decode_customer({**payload, "contactid": target_id})
        except (DecodeError, KeyError):
            return None


class FulfillmentCodec:
    """Pure decoder of written salesorders as fulfilments (`flows.ports.Codec`). The payload
    must carry `storebridge_id` and, to say a status, the `statecode`/`statuscode` the order
    was moved to (the adapter adds them: they are not mapped columns)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Fulfillment | None:
        try:
            return decode_fulfillment({**payload, "salesorderid": target_id})
        except (DecodeError, KeyError):
            return None
