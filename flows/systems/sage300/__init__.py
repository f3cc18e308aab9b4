"""Sage 300 (on-premise ERP): what it offers storebridge (its one `SystemSpec`).

Writes go through the Sage 300 Web API (one record per request: no batch, no upsert by an
external id), reads and change capture through the company database over ODBC (read-only,
`AUDTDATE`/`AUDTTIME` polling). Adapters: `orders` (target of orders: the customer first, then
the O/E order looked up by its store reference before it is created, and its payments as
prepayments), `customers` (target and source of customers: ARCUS), `fulfilment` (source of
fulfilments: O/E shipments and order completion), `catalog` (source of items and prices: ICITEM,
ICPRIC), `inventory` (source of stock per location: ICILOC). Connector: `connectors/sage300/`.
The GL postings only an ERP has are their own flow (`flows/gl_postings.py`).
"""

from __future__ import annotations

from flows.registry import Kind, PairFlow, Role, SystemSpec
from transforms.canonical import Entity

_A = "flows.systems.sage300"

SPEC = SystemSpec(
    slug="sage300",
    title="Sage 300",
    kind=Kind.BACK_OFFICE,
    settings="connectors.sage300.settings:Sage300Settings",
    emulator="sandbox.sage300:Sage300Emulator",
    sandbox_port=8445,
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
    error_rows="connectors.sage300.resources:ERROR_ROWS",
    quota_headers=("Retry-After",),
    batch_max={Entity.ORDER: 1, Entity.CUSTOMER: 1},  # the Web API writes one record per request
    work_pool="onprem",  # Sage 300 runs on the merchant's network: its worker runs beside it
    pair_flows=(
        PairFlow(
            name="gl-postings",
            flow="flows.gl_postings:gl_postings",
            cron="0 8 * * *",  # UTC: past midnight in the Americas and Europe alike
            description="GL postings: yesterday's {src} payments, refunds and gateway fees as "
            "one {dst} GL journal batch per day and store (looked up by its description first).",
        ),
    ),
)
