"""Shift4Shop as the source of orders: the connector and the codec behind `Source[Order]`.

Guest checkouts are keyed by a keyed hash of the e-mail (`transforms.shift4shop.customer_ref`);
the key is the state store's (`StateStore.pseudonymiser`), so every process and run sharing the
store gives one shopper the same customer id, and no address becomes a key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.records import Failure, Page
from connectors.shift4shop import Shift4ShopClient
from connectors.shift4shop.models import Order as RawOrder
from flows.ports import Context, DecodeError
from flows.systems.ids import digits_id, guest_key, read_by_ids
from flows.systems.ids import split_ids as ids_page
from transforms.canonical import Entity, Order
from transforms.shift4shop import SYSTEM, decode_order

is_id = digits_id(18)  # Shift4Shop ids: whole numbers (the gateway allows 18 digits)


def split_ids(ids: Sequence[str], cursor: Any, entity: str) -> tuple[list[int], list[Failure], Any]:
    """One page of Shift4Shop ids from `cursor` (`flows.systems.ids.split_ids`)."""
    return ids_page(ids, cursor, entity, system=SYSTEM, title="Shift4Shop", is_id=is_id)


class OrderSource:
    """Reads Shift4Shop orders (window or ids) and decodes them to canonical orders."""

    system = SYSTEM
    entity = Entity.ORDER

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.guest_key = guest_key(ctx)
        self.client = client or Shift4ShopClient.from_env()

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[RawOrder]:
        return self.client.orders_page(since, until, cursor)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[RawOrder]:
        return read_by_ids(ids, cursor, "order", self.client.orders_by_id, split_ids)

    def decode(self, raw: RawOrder) -> Order:
        s = self.client.settings
        try:
            return decode_order(
                raw, timezone=s.store_timezone, currency=s.currency, guest_key=self.guest_key
            )
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: RawOrder) -> str:
        return str(raw.order_id)

    def close(self) -> None:
        self.client.close()
