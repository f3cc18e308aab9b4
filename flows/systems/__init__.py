"""Which store and back-office adapters exist, by system slug.

Adding a system to every pair: write `flows/systems/<slug>.py` (an `OrderSource` or
`OrderTarget` over its connector and codec) and add one line below. The flows do not change.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from connectors.state import StateStore
from flows.ports import OrderSource, OrderTarget

SOURCES: dict[str, str] = {
    "shift4shop": "flows.systems.shift4shop:Shift4ShopOrders",
}
TARGETS: dict[str, str] = {
    "salesforce": "flows.systems.salesforce:SalesforceOrders",
}


def _load(registry: dict[str, str], slug: str, kind: str) -> Any:
    if slug not in registry:
        raise ValueError(f"unknown {kind} {slug!r}; known: {', '.join(sorted(registry))}")
    module, _, name = registry[slug].partition(":")
    return getattr(import_module(module), name)


def open_source(slug: str) -> OrderSource:
    """The order source for `slug`, configured from the environment."""
    source: OrderSource = _load(SOURCES, slug, "source")()
    return source


def open_target(slug: str, state: StateStore) -> OrderTarget:
    """The order target for `slug`, configured from the environment, binding into `state`."""
    target: OrderTarget = _load(TARGETS, slug, "target")(state)
    return target


def source_field(system: str, path: str) -> str | None:
    """The source system's field behind a canonical path, if its codec publishes one."""
    try:
        codec = import_module(f"transforms.{system}")
    except ImportError:
        return None
    lookup = getattr(codec, "source_field", None)
    return lookup(path) if callable(lookup) else None
