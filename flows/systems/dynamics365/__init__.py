"""Microsoft Dynamics 365 / Dataverse: what it offers storebridge (its one `SystemSpec`).

Adapters: `orders` (target of orders: accounts/contacts first, then salesorders and their
salesorderdetails through `$batch`), `customers` (target and source of customers), `fulfilment`
(source of fulfilments: order state and status), `catalog` (source of products and price-list
prices), `inventory` (source of stock). Connector: `connectors/dynamics365/` (msal, OData,
`$batch`, change tracking).
"""

from __future__ import annotations

from flows.registry import Kind, Role, SystemSpec
from transforms.canonical import Entity

_A = "flows.systems.dynamics365"

SPEC = SystemSpec(
    slug="dynamics365",
    title="Dynamics 365",
    kind=Kind.BACK_OFFICE,
    settings="connectors.dynamics365.settings:Dynamics365Settings",
    emulator="sandbox.dynamics365:Dynamics365Emulator",
    sandbox_port=8444,
    roles={
        (Entity.ORDER, Role.TARGET): f"{_A}.orders:OrderTarget",
        (Entity.CUSTOMER, Role.TARGET): f"{_A}.customers:CustomerTarget",
        (Entity.CUSTOMER, Role.SOURCE): f"{_A}.customers:CustomerSource",
        (Entity.FULFILLMENT, Role.SOURCE): f"{_A}.fulfilment:FulfilmentSource",
        (Entity.PRODUCT, Role.SOURCE): f"{_A}.catalog:ProductSource",
        (Entity.INVENTORY, Role.SOURCE): f"{_A}.inventory:StockSource",
    },
    codecs={
        Entity.CUSTOMER: f"{_A}.customers:CustomerCodec",
        Entity.FULFILLMENT: f"{_A}.fulfilment:FulfillmentCodec",
    },
    hashers={Entity.CUSTOMER: f"{_A}.customers:CustomerHasher"},
    error_rows="connectors.dynamics365.resources:ERROR_ROWS",
    quota_headers=(
        "Retry-After",
        "x-ms-ratelimit-burst-remaining-xrm-requests",
        "x-ms-ratelimit-time-remaining-xrm-requests",
    ),
    batch_max={Entity.ORDER: 1000, Entity.CUSTOMER: 1000},  # requests per $batch
)
