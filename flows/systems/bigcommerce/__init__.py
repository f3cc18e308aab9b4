"""BigCommerce: what it offers storebridge (its one `SystemSpec`).

Adapters: `orders` (source of orders), `customers` (source and target of customers),
`fulfilment` (target of fulfilments: status and shipments), `catalog` (target of products and
variants), `inventory` (target of stock per location); `webhooks` parses signed deliveries.
Connector: `connectors/bigcommerce/` (V2 orders, V3 catalog, customers, inventory, hooks).
"""

from __future__ import annotations

from flows.registry import Kind, Role, SystemSpec, WebhookSpec
from transforms.canonical import Entity

_A = "flows.systems.bigcommerce"

SPEC = SystemSpec(
    slug="bigcommerce",
    title="BigCommerce",
    kind=Kind.STORE,
    settings="connectors.bigcommerce.settings:BigCommerceSettings",
    emulator="sandbox.bigcommerce:BigCommerceEmulator",
    sandbox_port=8443,
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
        path="/webhooks/bigcommerce/{store_hash}",
        verification="Standard Webhooks signature (HMAC-SHA256 keyed by the app's client secret)"
        ", timestamp within the replay window, and the custom header where configured",
        parser=f"{_A}.webhooks:parse",
        secret_setting="bigcommerce_client_secret",  # noqa: S106 - a setting's name
        verifier=f"{_A}.webhooks:verifier",
    ),
    error_rows="connectors.bigcommerce.resources:ERROR_ROWS",
    quota_headers=(
        "X-Rate-Limit-Requests-Left",
        "X-Rate-Limit-Time-Reset-Ms",
        "X-Rate-Limit-Requests-Quota",
        "X-Rate-Limit-Time-Window-Ms",
    ),
    batch_max={
        Entity.PRODUCT: 10,  # PUT /v3/catalog/products (variants: 50)
        Entity.CUSTOMER: 10,  # POST/PUT /v3/customers
        Entity.INVENTORY: 2000,  # /v3/inventory/adjustments/*
        Entity.FULFILLMENT: 50,  # one shipment per call; statuses per order
    },
)
