"""Codec: Salesforce REST API v59.0 records (SOQL rows, dicts) → canonical models.

Pure functions over the decode mappings in `transforms/mappings/salesforce/*_from.yaml` (which
Salesforce fields carry what is data; only the shape rules are code). A record that cannot be
decoded raises `DecodeError` naming the record and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from transforms.canonical import (
    Customer,
    Entity,
    ExternalRef,
    Fulfillment,
    InventoryLevel,
    Option,
    Product,
    StockPosition,
    describe_validation_error,
)
from transforms.mapping import MappingError, decode_with, load_mapping

SYSTEM = "salesforce"
EXTERNAL_ID = "Storebridge_Id__c"


class DecodeError(ValueError):
    """A Salesforce record that does not make a valid canonical record."""


def ref(entity: Entity, record_id: str) -> ExternalRef:
    return ExternalRef(system=SYSTEM, entity=entity, id=record_id)


def parse_external_id(value: str | None) -> ExternalRef | None:
    """`shift4shop:order:1001` (the external id storebridge wrote) → its ExternalRef."""
    if not value:
        return None
    system, _, rest = value.partition(":")
    entity, _, rid = rest.partition(":")
    try:
        return ExternalRef.model_validate({"system": system, "entity": entity, "id": rid})
    except ValidationError:
        return None


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: dict[str, Any], record: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DecodeError(describe_validation_error(exc, record)) from None


def _decode(
    name: str, row: Mapping[str, Any], record: str, ctx: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    try:
        return decode_with(load_mapping(name), row, ctx)
    except MappingError as exc:
        raise DecodeError(f"{record}: {exc}") from None


def decode_contact(row: Mapping[str, Any]) -> Customer:
    """A Contact (SOQL row or written payload + Id) as a canonical Customer."""
    record = f"{SYSTEM}:customer:{row.get('Id')}"
    data = _decode("salesforce/customer_from", row, record)
    return _validate(Customer, {"ref": ref(Entity.CUSTOMER, str(row["Id"])), **data}, record)


def _line_ref(item: Mapping[str, Any]) -> ExternalRef | None:
    found = parse_external_id(item.get(EXTERNAL_ID))
    return found if found is not None and found.entity is Entity.ORDER_LINE else None


def _item_sku(item: Mapping[str, Any]) -> str | None:
    entry = item.get("PricebookEntry") or {}
    product = entry.get("Product2") if isinstance(entry, Mapping) else None
    code = (product or {}).get("ProductCode") if isinstance(product, Mapping) else None
    return code or (item.get("Product2") or {}).get("ProductCode")


# Fulfilment statuses the shipped quantities of the items override: the order has not (fully)
# shipped yet, so a shipped line makes it Partial, every line shipped makes it Shipped.
NOT_YET_SHIPPED = frozenset({None, "pending", "processing", "partially_shipped"})
NOON = dt.timedelta(hours=12)  # a date (no time) is taken at noon UTC, not midnight


def _is_date(target: str) -> bool:
    """True when the fulfilment mapping decodes `target` from a date (`date_utc`)."""
    rule = load_mapping("salesforce/fulfillment_from").fields.get(target)
    return rule is not None and "date_utc" in rule.convert


def decode_fulfillment(
    order: Mapping[str, Any], items: Sequence[Mapping[str, Any]] = ()
) -> Fulfillment:
    """An Order (and its OrderItems) as the fulfilment of the store order it was written from.

    Raises:
        DecodeError: the order carries no storebridge external id of a store order.
    """
    record = f"{SYSTEM}:fulfillment:{order.get('Id')}"
    store_order = parse_external_id(order.get(EXTERNAL_ID))
    if store_order is None or store_order.entity is not Entity.ORDER:
        raise DecodeError(
            f"{record}: {EXTERNAL_ID} {order.get(EXTERNAL_ID)!r} is not a store order"
        )
    data = _decode("salesforce/fulfillment_from", order, record)
    shipment = data.pop("shipment", {}) or {}
    data.pop("line", None)
    lines = []
    complete = True
    for item in items:
        shipped = _decode("salesforce/fulfillment_from", item, record).get("line", {})
        qty = Decimal(shipped.get("quantity_shipped") or 0)
        ordered = shipped.get("quantity")
        complete = complete and (ordered is None or qty >= Decimal(ordered))
        sku = _item_sku(item)
        if qty > 0 and sku:
            lines.append({"sku": sku, "quantity": qty, "line": _line_ref(item)})
    if lines and data.get("status") in NOT_YET_SHIPPED:  # the shipped quantities say more
        data["status"] = "shipped" if complete else "partially_shipped"
    if shipment.get("shipped_at") is not None and _is_date("shipment.shipped_at"):
        shipment["shipped_at"] += NOON  # the same calendar day in every store's zone
    shipments = []
    if shipment.get("tracking_number") or lines:
        shipments.append(
            {"ref": ref(Entity.SHIPMENT, f"{order['Id']}-1"), **shipment, "lines": lines}
        )
    payload = {
        "ref": ref(Entity.FULFILLMENT, str(order["Id"])),
        "order": store_order,
        "shipments": shipments,
        **data,
    }
    return _validate(Fulfillment, payload, record)


def _variant_option(text: str | None) -> Option | None:
    name, sep, value = (text or "").partition("=")
    return Option(name=name.strip(), value=value.strip()) if sep and value.strip() else None


def decode_product(
    row: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    prices: Mapping[str, Decimal],
    *,
    currency: str,
) -> Product:
    """A Product2 with its variant Product2s and standard list prices (by ProductCode)."""
    record = f"{SYSTEM}:product:{row.get('Id')}"
    code = str(row.get("ProductCode") or "")
    data = _decode(
        "salesforce/product_from",
        row,
        record,
        {"list_price": prices.get(code), "currency": currency},
    )
    if not (data.get("price") or {}).get("amount"):
        data.pop("price", None)
    built = []
    for v in variants:
        option = _variant_option(v.get("Variant_Option__c"))
        vcode = str(v.get("ProductCode") or "")
        price = prices.get(vcode)
        built.append(
            {
                "ref": ref(Entity.VARIANT, str(v["Id"])),
                "sku": vcode,
                "options": [option] if option else [],
                "price": {"amount": price, "currency": currency} if price is not None else None,
                "active": bool(v.get("IsActive", True)),
            }
        )
    names = list(dict.fromkeys(o.name for v in built for o in v["options"]))  # type: ignore[attr-defined]
    payload = {
        "ref": ref(Entity.PRODUCT, str(row["Id"])),
        **data,
        "variants": built,
        "options": names,
    }
    return _validate(Product, payload, record)


def decode_stock(
    product: Mapping[str, Any],
    levels: Sequence[tuple[str, Any, Any]],
    *,
    safety_stock: Decimal,
) -> StockPosition:
    """Stock of one Product2: (location, on hand, reserved) levels and the safety stock."""
    record = f"{SYSTEM}:inventory:{product.get('Id')}"
    sku = str(product.get("ProductCode") or "")
    built = (
        [
            InventoryLevel(sku=sku, location=loc, on_hand=_num(on_hand), reserved=_num(reserved))
            for loc, on_hand, reserved in levels
        ]
        if sku
        else []
    )
    payload = {
        "ref": ref(Entity.INVENTORY, str(product["Id"])),
        "sku": sku,
        "levels": built,
        "safety_stock": safety_stock,
    }
    return _validate(StockPosition, payload, record)


def _num(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


class ContactCodec:
    """Pure decoder of Contacts for echo suppression (`flows.ports.Codec`)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        try:
            return decode_contact({**payload, "Id": target_id})
        except (DecodeError, KeyError):
            return None


class FulfillmentCodec:
    """Pure decoder of Orders as fulfilments for echo suppression (`flows.ports.Codec`)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Fulfillment | None:
        try:
            return decode_fulfillment({**payload, "Id": target_id})
        except (DecodeError, KeyError):
            return None
