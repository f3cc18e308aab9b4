"""Salesforce: what it offers storebridge (its one `SystemSpec`, read by `flows.registry`).

Adapters: `orders` (target of orders), `customers` (target and source of customers),
`fulfilment` (source of fulfilments), `catalog` (source of products), `inventory` (source of
stock). The shared machinery of a load (packer, look-ups, results) is `session`.
"""

from __future__ import annotations

from flows.registry import Kind, Role, SystemSpec
from transforms.canonical import Entity

_A = "flows.systems.salesforce"

SPEC = SystemSpec(
    slug="salesforce",
    title="Salesforce",
    kind=Kind.BACK_OFFICE,
    settings="connectors.salesforce.settings:SalesforceSettings",
    emulator="sandbox.salesforce:SalesforceEmulator",
    sandbox_port=8442,
    roles={
        (Entity.ORDER, Role.TARGET): f"{_A}.orders:OrderTarget",
        (Entity.CUSTOMER, Role.TARGET): f"{_A}.customers:CustomerTarget",
        (Entity.CUSTOMER, Role.SOURCE): f"{_A}.customers:CustomerSource",
        (Entity.FULFILLMENT, Role.SOURCE): f"{_A}.fulfilment:FulfilmentSource",
        (Entity.PRODUCT, Role.SOURCE): f"{_A}.catalog:ProductSource",
        (Entity.INVENTORY, Role.SOURCE): f"{_A}.inventory:StockSource",
    },
    codecs={
        Entity.CUSTOMER: "transforms.salesforce:ContactCodec",
        Entity.FULFILLMENT: "transforms.salesforce:FulfillmentCodec",
    },
    hashers={Entity.CUSTOMER: f"{_A}.customers:CustomerHasher"},
    error_rows="connectors.salesforce.limits:ERROR_ROWS",
    quota_headers=("Sforce-Limit-Info",),
    batch_max={Entity.ORDER: 1000, Entity.CUSTOMER: 1000},  # per /composite call (5 x 200)
)
