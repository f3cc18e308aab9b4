"""The use cases, as declarations over the one sync engine (`flows/engine.py`).

A use case says which entity moves, in which direction, how much per batch, how far an
incremental run overlaps its watermark, which webhook topics it subscribes to, and the few hooks
that are not data: which records to admit (the same filter on every read path: window, ids,
webhook, replay), which entity a write is echoed as (so our own writes are not read back as
changes), and which anomaly checks inspect each batch before it loads (`inspect`, a
"module:function" in `flows/anomaly.py`: orders, stock or prices; flags reach the run's artifact
and a Prefect event, and may hold a record for review). Which systems can play which role is the
registry's business (`flows/registry.py`); a run is a use case plus a (source, target) pair.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from connectors.settings import StorebridgeSettings, load_settings
from transforms.canonical import Entity, Order, OrderStatus


class Direction(enum.StrEnum):
    """Which way records move between the two kinds of system."""

    STORE_TO_BACK_OFFICE = "store -> back office"
    BACK_OFFICE_TO_STORE = "back office -> store"
    BOTH = "both ways"


class SyncSettings(StorebridgeSettings):
    """Run settings of one use case: ``STOREBRIDGE_<USE_CASE>_*`` (e.g. ORDER_TO_CASH_)."""

    model_config = SettingsConfigDict(env_prefix="STOREBRIDGE_SYNC_")

    overlap_minutes: float = Field(
        default=10, ge=0, description="re-read this far behind the watermark (late commits, skew)"
    )
    initial_lookback_days: float = Field(
        default=7, gt=0, description="first run without a watermark reads this far back"
    )
    batch_size: int = Field(
        default=0, ge=0, le=10_000, description="records per load task (0: the use case's default)"
    )
    inbox_claim_limit: int = Field(default=1000, ge=1, description="webhook events per run")
    lease_ttl_seconds: float = Field(
        default=300,
        ge=5,
        description="a run holds its pair's lease this long past its last renewal (renewed "
        "every third of it while alive): a run killed with -9 frees the pair after this",
    )
    lease_wait_seconds: float = Field(
        default=300,
        ge=0,
        description="how long a run waits for the pair's lease before it ends as skipped",
    )


Admit = Callable[[Any], "str | None"]


def admit_all(record: Any) -> str | None:
    """Every record is admitted."""
    return None


def placed_orders_only(order: Order) -> str | None:
    """Abandoned checkouts are not orders: never written, on any read path."""
    if order.status is OrderStatus.ABANDONED:
        return f"{order.ref.key}: abandoned checkout ({order.source_status or 'not completed'})"
    return None


@dataclass(frozen=True)
class UseCase:
    """One use case (see the module docstring)."""

    name: str  # the flow name and the first part of the dead-letter / watermark stream
    entity: Entity
    direction: Direction
    description: str
    batch_size: int = 200
    admit: Admit = admit_all
    topics: tuple[str, ...] = ()  # webhook topics (canonical entity names) it subscribes to
    echo: Entity | None = None  # entity a write is echoed back as, through the target system
    defaults: dict[str, str] = field(default_factory=dict)  # default source and target
    flow: str = ""  # "module:function" of its Prefect flow
    # "module:function" of the hook that inspects each batch before it loads (anomaly checks:
    # `flows.engine.inspect` calls it with the plan, state, target, items and done outcomes)
    inspect: str = ""

    @property
    def flow_function(self) -> Any:
        """The Prefect flow that runs this use case."""
        from flows.registry import load

        return load(self.flow)

    @property
    def inspector(self) -> Any:
        """The `inspect` hook, or None when the use case inspects nothing."""
        if not self.inspect:
            return None
        from flows.registry import load

        return load(self.inspect)

    @property
    def env_prefix(self) -> str:
        return "STOREBRIDGE_" + self.name.upper().replace("-", "_") + "_"

    def settings(self) -> SyncSettings:
        """The run settings from the environment (`STOREBRIDGE_<NAME>_*`)."""
        return load_settings(SyncSettings, _env_prefix=self.env_prefix)

    def stream(self, source: str, target: str) -> str:
        """The pair's key for watermarks and dead letters (`order-to-cash:a->b`)."""
        return f"{self.name}:{source}->{target}"

    def lookback(self, settings: SyncSettings) -> dt.timedelta:
        return dt.timedelta(days=settings.initial_lookback_days)


ORDER_TO_CASH = UseCase(
    name="order-to-cash",
    entity=Entity.ORDER,
    direction=Direction.STORE_TO_BACK_OFFICE,
    description="store orders (with customers and payments) reach the back office",
    batch_size=1000,
    admit=placed_orders_only,
    topics=(Entity.ORDER.value,),
    echo=Entity.FULFILLMENT,
    defaults={"source": "shift4shop", "target": "salesforce"},
    flow="flows.order_to_cash:order_to_cash",
    inspect="flows.anomaly:inspect_orders",
)
FULFILMENT = UseCase(
    name="fulfilment",
    entity=Entity.FULFILLMENT,
    direction=Direction.BACK_OFFICE_TO_STORE,
    description="order status, shipments and tracking from the back office reach the store",
    batch_size=100,
    defaults={"source": "salesforce", "target": "shift4shop"},
    flow="flows.fulfilment:fulfilment",
)
CUSTOMERS = UseCase(
    name="customers",
    entity=Entity.CUSTOMER,
    direction=Direction.BOTH,
    description="customers both ways: linked by e-mail first, fields owned per direction",
    batch_size=200,
    topics=(Entity.CUSTOMER.value,),
    echo=Entity.CUSTOMER,
    defaults={"source": "shift4shop", "target": "salesforce"},
    flow="flows.customers:customers",
)
CATALOG = UseCase(
    name="catalog",
    entity=Entity.PRODUCT,
    direction=Direction.BACK_OFFICE_TO_STORE,
    description="products, variants and list prices from the back office reach the store",
    batch_size=100,
    defaults={"source": "salesforce", "target": "shift4shop"},
    flow="flows.catalog:catalog",
    inspect="flows.anomaly:inspect_prices",
)
INVENTORY = UseCase(
    name="inventory",
    entity=Entity.INVENTORY,
    direction=Direction.BACK_OFFICE_TO_STORE,
    description="what the store may sell (stock master levels minus safety stock), as deltas",
    batch_size=1000,
    defaults={"source": "salesforce", "target": "shift4shop"},
    flow="flows.inventory:inventory",
    inspect="flows.anomaly:inspect_stock",
)

USE_CASES: dict[str, UseCase] = {
    u.name: u for u in (ORDER_TO_CASH, FULFILMENT, CUSTOMERS, CATALOG, INVENTORY)
}


def use_case(name: str) -> UseCase:
    """The use case called `name`.

    Raises:
        ValueError: no such use case (the message lists the known ones).
    """
    if name not in USE_CASES:
        raise ValueError(f"unknown use case {name!r}; known: {', '.join(USE_CASES)}")
    return USE_CASES[name]


def parse_stream(stream: str) -> tuple[UseCase, str, str]:
    """(use case, source, target) of a `UseCase.stream` key (replays of dead letters)."""
    name, _, pair = stream.partition(":")
    source, _, target = pair.partition("->")
    if not source or not target or name not in USE_CASES:
        raise ValueError(f"{stream!r} is not a use-case pair key (e.g. order-to-cash:a->b)")
    return USE_CASES[name], source, target
