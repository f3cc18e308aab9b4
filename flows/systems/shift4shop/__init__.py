"""Shift4Shop (formerly 3dcart): what it offers storebridge (its one `SystemSpec`).

Adapters: `orders` (source of orders), `customers` (source and target of customers),
`fulfilment` (target of fulfilments), `catalog` (target of products), `inventory` (target of
stock); `webhooks` parses deliveries; `skus` finds where a SKU lives in the store.
"""

from __future__ import annotations

from flows.registry import Kind, Role, SystemSpec, WebhookSpec
from transforms.canonical import Entity

_A = "flows.systems.shift4shop"

SPEC = SystemSpec(
    slug="shift4shop",
    title="Shift4Shop",
    kind=Kind.STORE,
    settings="connectors.shift4shop.settings:Shift4ShopSettings",
    emulator="sandbox.shift4shop:Shift4ShopEmulator",
    sandbox_port=8441,
    roles={
        (Entity.ORDER, Role.SOURCE): f"{_A}.orders:OrderSource",
        (Entity.CUSTOMER, Role.SOURCE): f"{_A}.customers:CustomerSource",
        (Entity.CUSTOMER, Role.TARGET): f"{_A}.customers:CustomerTarget",
        (Entity.FULFILLMENT, Role.TARGET): f"{_A}.fulfilment:FulfilmentTarget",
        (Entity.PRODUCT, Role.TARGET): f"{_A}.catalog:ProductTarget",
        (Entity.INVENTORY, Role.TARGET): f"{_A}.inventory:StockTarget",
    },
    codecs={Entity.CUSTOMER: f"{_A}.customers:CustomerCodec"},
    hashers={
        Entity.CUSTOMER: f"{_A}.customers:CustomerHasher",
        Entity.FULFILLMENT: f"{_A}.fulfilment:FulfillmentHasher",
    },
    webhooks=WebhookSpec(
        path="/webhooks/shift4shop/{secret}",
        verification="secret token in the URL (Shift4Shop signs nothing)",
        parser=f"{_A}.webhooks:parse",
        secret_setting="shift4shop_secret",  # noqa: S106 - a setting's name
    ),
    error_rows="connectors.shift4shop.resources:ERROR_ROWS",
    quota_headers=("Retry-After",),
    batch_max={
        Entity.PRODUCT: 100,
        Entity.INVENTORY: 100,
        Entity.CUSTOMER: 100,
        Entity.FULFILLMENT: 100,
    },
)
