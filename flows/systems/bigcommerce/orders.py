"""BigCommerce as the source of orders: the connector and the codec behind `Source[Order]`.

Orders changed in a window come from `GET /v2/orders` on `date_modified` (lines and ship-tos in
the same call, coupons and transactions where the order needs them: the connector's business).
Guest checkouts (`customer_id` 0) are keyed by a keyed hash of the e-mail
(`transforms.bigcommerce`); the key is the state store's (`StateStore.pseudonymiser`), so every
process and run sharing the store gives one shopper the same customer id, and no address
becomes a key. Abandoned checkouts (status 0 "Incomplete") decode to `abandoned` and are left
out by the use case's filter on every read path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce.models import Order as RawOrder
from connectors.records import Failure, Page
from flows.ports import Context, DecodeError
from flows.systems.ids import digits_id, guest_key, read_by_ids
from flows.systems.ids import split_ids as ids_page
from transforms.bigcommerce import SYSTEM, decode_order
from transforms.canonical import Entity, Order

MAX_ID = 2**31 - 1  # BigCommerce ids are int32 (format: int32 in the specs)


def is_id(value: object) -> bool:
    """Whether `value` is a BigCommerce record id: ASCII digits, 1 .. 2^31-1."""
    return digits_id(10)(value) and 0 < int(str(value)) <= MAX_ID


def split_ids(ids: Sequence[str], cursor: Any, entity: str) -> tuple[list[int], list[Failure], Any]:
    """One page of BigCommerce ids from `cursor` (`flows.systems.ids.split_ids`)."""
    return ids_page(ids, cursor, entity, system=SYSTEM, title="BigCommerce", is_id=is_id)


class OrderSource:
    """`Source[Order]`: BigCommerce orders (window or ids) decoded to canonical orders."""

    system = SYSTEM
    entity = Entity.ORDER

    def __init__(self, ctx: Context | None = None, client: BigCommerceClient | None = None) -> None:
        self.guest_key = guest_key(ctx)
        self.client = client or BigCommerceClient.from_env()

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[RawOrder]:
        return self.client.orders_page(since, until, cursor)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[RawOrder]:
        return read_by_ids(ids, cursor, "order", self.client.orders_by_id, split_ids)

    def decode(self, raw: RawOrder) -> Order:
        try:
            return decode_order(raw, guest_key=self.guest_key)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: RawOrder) -> str:
        return str(raw.id)

    def close(self) -> None:
        self.client.close()
