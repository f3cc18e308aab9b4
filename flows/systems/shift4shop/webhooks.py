"""Shift4Shop webhook deliveries → events (the envelope is undocumented: store-apis.md 2.7).

Assumption: the body is the resource as the REST API renders it (an Order, Customer or Product
object), as an object or an array of them. The record is recognised by its id field (`OrderID`,
`CustomerID`, `CatalogID` or `SKUInfo.CatalogID`); only ids and the status are kept, the flow
re-reads the record from the API. Shift4Shop signs nothing: the URL token is the credential.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flows.webhooks import WebhookError, WebhookEvent, body_key
from transforms.canonical import Entity

SOURCE = "shift4shop"
MAX_ITEMS = 1000


def _field(item: Mapping[str, Any], name: str) -> Any:
    return next((v for k, v in item.items() if str(k).lower() == name.lower()), None)


def _identify(i: int, item: Mapping[str, Any]) -> tuple[Entity, str]:
    for entity, name in ((Entity.ORDER, "OrderID"), (Entity.CUSTOMER, "CustomerID")):
        value = _field(item, name)
        if value is not None and not (entity is Entity.CUSTOMER and _field(item, "OrderID")):
            return entity, _digits(i, name, value)
    sku_info = _field(item, "SKUInfo")
    catalog = _field(item, "CatalogID")
    if catalog is None and isinstance(sku_info, Mapping):
        catalog = _field(sku_info, "CatalogID")
    if catalog is not None:
        return Entity.PRODUCT, _digits(i, "CatalogID", catalog)
    raise WebhookError(f"item {i}: no OrderID, CustomerID or CatalogID")


def _digits(i: int, name: str, value: Any) -> str:
    text = str(value).strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 18:
        raise WebhookError(f"item {i}: {name} {str(value)[:40]!r} is not a number")
    return str(int(text))


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> list[WebhookEvent]:
    """The events of one delivery (see the module docstring)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WebhookError(f"body is not JSON: {str(exc)[:80]}") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise WebhookError("body is an empty array: no event in it")
    if len(items) > MAX_ITEMS:
        raise WebhookError(f"{len(items)} items in one delivery; at most {MAX_ITEMS}")
    events = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookError(f"item {i}: expected a JSON object, got {type(item).__name__}")
        entity, rid = _identify(i, item)
        status = _field(item, "OrderStatusID")
        fields = {"id": rid, "status": status if isinstance(status, int) else None}
        events.append(WebhookEvent(entity, rid, body_key(SOURCE, item), fields))
    return events
