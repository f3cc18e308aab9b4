"""Shift4Shop webhook deliveries → events (the envelope is undocumented: store-apis.md 2.7).

Assumption: the body is the resource as the REST API renders it (an Order, Customer or Product
object), as an object or an array of them. The record is recognised by its id field (`OrderID`,
`CustomerID`, `CatalogID` or `SKUInfo.CatalogID`); only ids and the status are kept, the flow
re-reads the record from the API. Shift4Shop signs nothing: the URL token is the credential.

Ids are ASCII digits only (`"²"` and `"١٢"` pass `str.isdigit()` but are no id), at most 18 of
them; `OrderStatusID` is absent, null or a whole number. Error messages name the item and the
field, never the value (a body may carry personal data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flows.webhooks import WebhookError, WebhookEvent, body_key
from transforms.canonical import Entity

SOURCE = "shift4shop"
MAX_DEPTH = 32  # an Order nests about 4 levels; deeper is no REST resource
MAX_STATUS = 2**31 - 1
_ID = re.compile(r"[0-9]{1,18}")


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


def _kind(value: Any) -> str:
    """What a value is, without showing it."""
    if isinstance(value, str):
        return f"a string of {len(value)} character(s)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return f"a {'number' if isinstance(value, (int, float)) else type(value).__name__}"


def _digits(i: int, name: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        text = str(value)
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise WebhookError(
            f"item {i}: {name} must be a whole number of 1 to 18 digits 0-9, got {_kind(value)}"
        )
    return str(int(text))


def _status(i: int, item: Mapping[str, Any]) -> int | None:
    value = _field(item, "OrderStatusID")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STATUS:
        raise WebhookError(
            f"item {i}: OrderStatusID must be null or a whole number from 0 to {MAX_STATUS}, "
            f"got {_kind(value)}"
        )
    return value


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` nests deeper than `limit` levels (iterative: no recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in children)
    return False


def _load(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise WebhookError(f"body is not JSON: nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError as exc:
        raise WebhookError(f"body is not JSON: not UTF-8 at byte {exc.start}") from None
    except ValueError as exc:  # JSONDecodeError, and integers over Python's 4,300 digits
        raise WebhookError(f"body is not JSON: {str(exc)[:80]}") from None


def parse(
    body: bytes, headers: Mapping[str, str] | None = None, *, stop_after: int | None = None
) -> list[WebhookEvent]:
    """The events of one delivery (see the module docstring).

    Args:
        body: the raw request body.
        headers: the request headers (unused: Shift4Shop signs nothing).
        stop_after: parse at most this many items and return them; the caller refuses a
            delivery that reaches its limit, so it passes its limit + 1 (the rest of a huge
            array is never looked at).

    Raises:
        WebhookError: the body or an item is not acceptable; the message names the item and
            field.
    """
    data = _load(body)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise WebhookError("body is an empty array: no event in it")
    events = []
    for i, item in enumerate(items[:stop_after]):
        if not isinstance(item, dict):
            raise WebhookError(f"item {i}: expected a JSON object, got {_kind(item)}")
        if _depth_over(item, MAX_DEPTH):
            raise WebhookError(f"item {i}: nested deeper than {MAX_DEPTH} levels")
        entity, rid = _identify(i, item)
        fields = {"id": rid, "status": _status(i, item)}
        events.append(WebhookEvent(entity, rid, body_key(SOURCE, item), fields))
    return events
