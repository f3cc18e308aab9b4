"""Codec: Sage 300 (Accpac) Web API payloads and database rows ⇄ canonical models (pure).

Writing (`transforms/sage300_encode.py`, re-exported here): canonical Customer -> ARCustomers,
Order -> OEOrders, Payment -> an A/R receipt batch with a prepayment entry, over the mappings
`customer`, `order`, `order_line`, `receipt`, `receipt_entry` of `transforms/mappings/sage300/`.
Reading (`transforms/sage300_decode.py`): ARCUS -> Customer, OEORDH/OEORDH1 + OESHIH/OESHID ->
Fulfillment, ICITEM + ICPRIC (+ the variant items, linked by ICITEMO optional fields) ->
Product, ICILOC -> StockPosition, over the `*_from` mappings.
Shared rules (rows as the database gives them, errors, store keys, lengths) are in
`transforms/sage300_common.py`.

Errors name the record and the field, never the value: `DecodeError` for a row
(`sage300:customer:1200: email (EMAIL2 | EMAIL1): value is not a valid e-mail address`),
`EncodeError` (a `MappingError`) for a payload (`shift4shop:customer:26: sage300/customer.
CustomerName (NAMECUST) (from company | display_name): 72 characters, at most 60 ...`).

Echo suppression: `CustomerCodec` and `FulfillmentCodec` decode what was just written (an
ARCustomers or OEOrders payload) as the record a read of it will give.
"""

from __future__ import annotations

from typing import Any

from transforms.canonical import Customer, Fulfillment
from transforms.sage300_common import (
    SYSTEM,
    DecodeError,
    EncodeError,
    mapping,
    parse_store_key,
    row,
    stamp,
    store_key,
)
from transforms.sage300_decode import (
    country_code,
    decode_customer,
    decode_fulfilment,
    decode_product,
    decode_stock,
    optional_fields,
    order_status,
    parent_of,
)
from transforms.sage300_encode import (
    MAPPINGS,
    RECEIPT_BATCH_MAX,
    customer_number,
    customer_payload,
    first_match,
    hash_payload,
    item_number,
    mappings_fingerprint,
    order_discount,
    order_payload,
    receipt_batch,
    receipt_payload,
    receipt_payloads,
    receivable,
)

__all__ = [
    "MAPPINGS",
    "RECEIPT_BATCH_MAX",
    "SYSTEM",
    "CustomerCodec",
    "DecodeError",
    "EncodeError",
    "FulfillmentCodec",
    "country_code",
    "customer_number",
    "customer_payload",
    "customer_row",
    "decode_customer",
    "decode_fulfillment",
    "decode_fulfilment",
    "decode_product",
    "decode_stock",
    "first_match",
    "hash_payload",
    "item_number",
    "mapping",
    "mappings_fingerprint",
    "optional_fields",
    "order_discount",
    "order_payload",
    "order_status",
    "parent_of",
    "parse_store_key",
    "receipt_batch",
    "receipt_payload",
    "receipt_payloads",
    "receivable",
    "row",
    "stamp",
    "store_key",
]

decode_fulfillment = decode_fulfilment  # the spelling of the other codecs


def customer_row(payload: dict[str, Any], number: str) -> dict[str, Any]:
    """The ARCUS row an ARCustomers payload becomes (`customer.yaml` `tables.columns`)."""
    out: dict[str, Any] = {"IDCUST": number}
    for field, spec in mapping("customer").tables["columns"].items():
        if field in payload and field != "CustomerNumber":
            out[str(spec["column"])] = payload[field]
    return out


class CustomerCodec:
    """Pure decoder of written ARCustomers payloads for echo suppression (`flows.ports.Codec`).
    `target_id` is the customer number."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        try:
            return decode_customer(customer_row(payload, target_id))
        except (DecodeError, KeyError, ValueError):
            return None


class FulfillmentCodec:
    """Pure decoder of written OEOrders payloads as fulfilments (`flows.ports.Codec`): a new
    order is Active, incomplete, not on hold (what a read of it gives until Sage ships it).
    `target_id` is the OrderUniquifier."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Fulfillment | None:
        head = {
            "ORDUNIQ": target_id,
            "ORDNUMBER": payload.get("OrderNumber"),
            "CUSTOMER": payload.get("CustomerNumber"),
            "REFERENCE": payload.get("OrderReference"),
            "TYPE": 1,
            "COMPLETE": 1,
            "ONHOLD": 0,
        }
        try:
            return decode_fulfilment(head)
        except (DecodeError, KeyError, ValueError):
            return None
