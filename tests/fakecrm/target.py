"""The fake back office's only adapter: a `Target[Order]` that keeps orders in memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.settings import StorebridgeSettings
from flows.ports import Context, Item, LoadResult, written
from transforms.canonical import Entity, Order, content_hash

LOADED: dict[str, list[str]] = {}  # order ref key -> the runs' use case names that wrote it


class FakeSettings(StorebridgeSettings):
    """Nothing to configure."""


class NoEmulator:
    """The fake system has no sandbox emulator (it is in memory)."""


class FakeOrderTarget:
    system = "fakecrm"
    entity = Entity.ORDER
    binding_entity = "Order"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def payload_hash(self, record: Order) -> str:
        return content_hash(record, exclude={"updated_at"})

    def validate(self, record: Order) -> str | None:
        return None

    def load(self, items: Sequence[Item[Any]]) -> LoadResult:
        for item in items:
            LOADED.setdefault(item.ref.key, []).append(self.ctx.use_case)
        return LoadResult([written(i, f"fake-{i.ref.id}") for i in items])

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        return None
