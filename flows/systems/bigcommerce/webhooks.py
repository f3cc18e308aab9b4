"""BigCommerce callbacks → events, their verification, and the hooks storebridge registers.

A callback is one event, a light payload (store-apis.md §1.9, `webhook-callbacks/data/*.json`):
``{"scope": "store/order/statusUpdated", "store_id": "1025646", "data": {"type": "order",
"id": 250, "status": {...}}, "hash": "7ee6...", "created_at": 1561479335, "producer":
"stores/{store_hash}"}``. `SCOPES` says what each scope is about (the topic routes it) and where
its record's id is: orders by `data.id` (`data.order_id` for transactions), shipments by their
`data.orderId` (a shipment changes its order), customers by `data.id` (address events by
`data.address.customer_id`), products by `data.id` (SKUs by `data.sku.product_id`), stock by
`data.inventory.product_id` under the topic `inventory` (not `product`: a stock change is no
catalog change, and `.../inventory/order/updated` fires on every sale). `store/app/uninstalled`
is accepted and logged, never routed; any other scope is accepted and ignored (BigCommerce
retries a refused callback for ~48 h, then deactivates the hook). Only ids, statuses and the
scope are kept (the flow re-reads the record); messages name the field, never its value.

The delivery key is the payload's `hash` (a re-fired event repeats it), prefixed with the store
hash and the scope. Assumption (the spec is silent): `hash` is "the payload data JSON-encoded,
then SHA-1" (webhooks.v3.yml), so two stores' (or two scopes') events about the same id may share
it; the prefix keeps them apart. A later event whose data equals an earlier one's would share its
hash too and be taken for a duplicate; the scheduled incremental runs catch such a change.

`verifier` (named by the `WebhookSpec`) checks, in this order: the path's store hash is a
configured store (`bigcommerce_store_hashes`), the custom header where configured, the Standard
Webhooks signature (key: the client secret's UTF-8 bytes) and timestamp (replay window), and
that the payload's `producer` is ``stores/<that store hash>`` — each failure 401, nothing stored.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flows.webhook_auth import (
    Delivery,
    Verifier,
    WebhookAuthError,
    verify_header,
    verify_standard_webhooks,
)
from flows.webhooks import WebhookError, WebhookEvent
from transforms.canonical import Entity

SOURCE = "bigcommerce"
log = logging.getLogger("storebridge.gateway.bigcommerce")
_ID = re.compile(r"[0-9]{1,18}")
_SCOPE = re.compile(r"store/[A-Za-z0-9_/*]{1,90}")
_HASH = re.compile(r"[A-Za-z0-9_-]{8,120}")
_PRODUCER = re.compile(r"stores/([A-Za-z0-9]{1,32})")
UNINSTALLED = "store/app/uninstalled"


@dataclass(frozen=True)
class Scope:
    """What a scope's events are about: the topic, the record id's path in `data`, and the
    other ids worth keeping (name → path)."""

    topic: Entity
    id_path: tuple[str, ...]
    keep: tuple[tuple[str, tuple[str, ...]], ...] = ()
    register: bool = True  # a hook `storebridge webhooks register` creates for the topic


def _each(prefix: str, names: str, scope: Scope) -> dict[str, Scope]:
    return {f"{prefix}/{name}": scope for name in names.split()}


_ORDER = Scope(Entity.ORDER, ("id",))
_STATUS = Scope(
    Entity.ORDER,
    ("id",),
    (
        ("previous_status_id", ("status", "previous_status_id")),
        ("new_status_id", ("status", "new_status_id")),
    ),
)
_REFUND = Scope(Entity.ORDER, ("id",), (("refund_id", ("refund", "refund_id")),))
_SHIPMENT = Scope(Entity.ORDER, ("orderId",), (("shipment_id", ("id",)),))
_CUSTOMER = Scope(Entity.CUSTOMER, ("id",))
_ADDRESS = Scope(Entity.CUSTOMER, ("address", "customer_id"), (("address_id", ("id",)),))
_PRODUCT = Scope(Entity.PRODUCT, ("id",))
_SKU = Scope(
    Entity.PRODUCT,
    ("sku", "product_id"),
    (("variant_id", ("sku", "variant_id")), ("sku_id", ("id",))),
)
_STOCK = Scope(
    Entity.INVENTORY, ("inventory", "product_id"), (("variant_id", ("inventory", "variant_id")),)
)
SCOPES: dict[str, Scope] = {
    **_each("store/order", "created updated archived", _ORDER),
    "store/order/statusUpdated": _STATUS,
    # parsed when they arrive, not registered: store-apis.md 1.9 lists the scopes storebridge
    # needs (a refund or a payment also updates its order: store/order/updated)
    "store/order/refund/created": replace(_REFUND, register=False),
    "store/order/transaction/created": Scope(Entity.ORDER, ("order_id",), register=False),
    "store/order/message/created": Scope(Entity.ORDER, ("id",), register=False),
    **_each("store/shipment", "created updated deleted", _SHIPMENT),
    **_each("store/customer", "created updated deleted", _CUSTOMER),
    **_each("store/customer/address", "created updated deleted", _ADDRESS),
    # the official sample of address/updated says "store/customer/address/update"
    "store/customer/address/update": Scope(_ADDRESS.topic, _ADDRESS.id_path, _ADDRESS.keep, False),
    "store/customer/payment/instrument/default/updated": Scope(
        Entity.CUSTOMER, ("id",), register=False
    ),
    "store/customer/channel/login/access/updated": Scope(
        Entity.CUSTOMER, ("customer_id",), register=False
    ),
    **_each("store/product", "created updated deleted", _PRODUCT),
    **_each("store/sku", "created updated deleted", _SKU),
    **_each("store/product", "inventory/updated", _STOCK),
    **_each("store/sku", "inventory/updated", _STOCK),
    **_each("store/product", "inventory/order/updated", replace(_STOCK, register=False)),
    **_each("store/sku", "inventory/order/updated", replace(_STOCK, register=False)),
}


def scopes_for(topics: set[str]) -> list[str]:
    """The scopes of hooks to register so that events of `topics` arrive (table order), and
    `store/app/uninstalled` (logged by the gateway) when any is wanted."""
    wanted = [s for s, spec in SCOPES.items() if spec.register and spec.topic.value in topics]
    return [*wanted, UNINSTALLED] if wanted else []


# --- parsing ---------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    """What a value is, without showing it."""
    if isinstance(value, str):
        return f"a string of {len(value)} character(s)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return f"a {'number' if isinstance(value, (int, float)) else type(value).__name__}"


def _at(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for part in path:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _digits(where: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        text = str(value)
    if text is None or not _ID.fullmatch(text):
        raise WebhookError(f"{where} must be a whole number of 1 to 18 digits, got {_kind(value)}")
    return str(int(text))


def _text(payload: Mapping[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise WebhookError(f"{name} must be {what}, got {_kind(value)}")
    return value


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except RecursionError:
        raise WebhookError("body is not JSON: nested too deep") from None
    except UnicodeDecodeError as exc:
        raise WebhookError(f"body is not JSON: not UTF-8 at byte {exc.start}") from None
    except ValueError as exc:  # JSONDecodeError, and integers over Python's 4,300 digits
        raise WebhookError(f"body is not JSON: {str(exc)[:80]}") from None
    if not isinstance(data, dict):
        raise WebhookError(f"body: expected a JSON object (one event), got {_kind(data)}")
    return data


def parse(
    body: bytes, headers: Mapping[str, str] | None = None, *, stop_after: int | None = None
) -> list[WebhookEvent]:
    """The event of one callback: none for `store/app/uninstalled` (logged) and for scopes
    storebridge does not use (see the module docstring).

    Raises:
        WebhookError: the body or a field is not acceptable; the message names the field.
    """
    payload = _load(body)
    scope = _text(payload, "scope", _SCOPE, "a scope like store/order/created")
    producer = _text(payload, "producer", _PRODUCER, "stores/<store hash>")
    store_hash = producer.partition("/")[2]
    if scope == UNINSTALLED:
        log.warning(
            "BigCommerce store %s uninstalled the app: its hooks are gone; after a re-install, "
            "`storebridge webhooks register bigcommerce` creates them again",
            store_hash,
        )
        return []
    known = SCOPES.get(scope)
    if known is None:
        log.info("bigcommerce callback of scope %s ignored: storebridge does not use it", scope)
        return []
    digest = _text(payload, "hash", _HASH, "the event's hash (8 to 120 letters and digits)")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError(f"data must be a JSON object, got {_kind(data)}")
    resource_id = _digits("data." + ".".join(known.id_path), _at(data, known.id_path))
    fields: dict[str, Any] = {"scope": scope, "store_hash": store_hash, "id": resource_id}
    for name, path in known.keep:
        value = _at(data, path)
        if value is not None:
            fields[name] = int(_digits("data." + ".".join(path), value))
    created_at = payload.get("created_at")
    if isinstance(created_at, int) and not isinstance(created_at, bool) and created_at >= 0:
        fields["created_at"] = created_at
    key = f"{SOURCE}:{store_hash}:{scope}:{digest}"
    return [WebhookEvent(known.topic, resource_id, key, fields)][:stop_after]


# --- verification (WebhookSpec.verifier) -----------------------------------------------------


def _producer(body: bytes) -> Any:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the parser answers 400 naming what is wrong
    return payload.get("producer") if isinstance(payload, dict) else None


def verifier(settings: Any, hooks: Any) -> Verifier:
    """The checks of BigCommerce callbacks (see the module docstring), from the gateway's
    settings: `bigcommerce_client_secret` (`hooks.secret_setting`), `bigcommerce_store_hashes`,
    `bigcommerce_webhook_header` and its value, `replay_window_s`."""
    secret = settings.secret(hooks.secret_setting)
    key = secret.encode("utf-8") if secret else None
    stores = frozenset(settings.bigcommerce_store_hashes)
    header = settings.bigcommerce_webhook_header
    header_value = settings.secret("bigcommerce_webhook_header_value")
    window = float(settings.replay_window_s)

    def check_path(params: Mapping[str, str]) -> None:
        if key is None:
            raise WebhookAuthError("no signing key configured (bigcommerce_client_secret)")
        if params.get("store_hash") not in stores:
            raise WebhookAuthError("not a configured store hash (bigcommerce_store_hashes)")

    def check_delivery(delivery: Delivery) -> None:
        assert key is not None  # check_path refused every delivery otherwise
        if header is not None and header_value is not None:
            verify_header(delivery.headers, header, header_value)
        verify_standard_webhooks(delivery.headers, delivery.body, key, delivery.received_at, window)
        producer = _producer(delivery.body)
        if isinstance(producer, str) and producer != f"stores/{delivery.path_params['store_hash']}":
            raise WebhookAuthError("the payload's producer is not the store of this URL")

    return Verifier(check_path=check_path, check_delivery=check_delivery)


# --- hook management (`storebridge webhooks register|status`) ---------------------------------


def hook_client() -> Any:
    """The connector client whose `list_hooks`, `create_hook` and `update_hook` manage the
    hooks (from `STOREBRIDGE_BIGCOMMERCE_*`)."""
    from flows.registry import load

    return load("connectors.bigcommerce:BigCommerceClient").from_env()


def route_params(client: Any) -> dict[str, str]:
    """The gateway route's parameters for the client's store (its `{store_hash}`)."""
    return {"store_hash": str(client.settings.store_hash)}
