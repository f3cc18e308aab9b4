"""Shift4Shop customers: the source of registered customers, and their target the other way.

Store → back office: registered customers changed in a window (guests only exist in orders;
order-to-cash brings them). Back office → store: a back-office contact changes a store customer
only when the two are linked, and linking is the other direction's job ("link before sync": it
matches by e-mail, refuses ambiguous matches, and binds both ways). storebridge never creates
store accounts from CRM contacts (a CRM holds people who never shopped): unlinked contacts are
skipped, at no API cost. Only the fields both directions write are
mapped (`transforms/mappings/shift4shop/customer.yaml`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.records import Page
from connectors.shift4shop import Shift4ShopClient
from connectors.shift4shop import models as raw_models
from flows.ports import (
    Context,
    DecodeError,
    Item,
    LoadResult,
    Outcome,
    Status,
    already_there,
    failed,
    written,
)
from flows.systems.ids import read_by_ids
from flows.systems.shift4shop.orders import split_ids
from transforms.canonical import Customer, Entity, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping
from transforms.shift4shop import SYSTEM, decode_customer

CUSTOMER = "Customer"


class CustomerHasher:
    """What a customer write to the store sends (pure)."""

    binding_entity = CUSTOMER

    def __init__(self) -> None:
        self.mapping = load_mapping("shift4shop/customer")
        self.fingerprint = fingerprint(self.mapping)

    def payload(self, c: Customer) -> dict[str, Any]:
        return apply(self.mapping, c, creating=False)

    def payload_hash(self, c: Customer) -> str:
        return digest(self.fingerprint, self.payload(c))


class CustomerCodec:
    """Pure decoder of customer payloads written to the store (echo suppression)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        try:
            raw = raw_models.Customer.model_validate({**payload, "CustomerID": int(target_id)})
            return decode_customer(raw)
        except (ValueError, TypeError):
            return None


class CustomerSource:
    """`Source[Customer]`: registered store customers changed in a window, or by id."""

    system = SYSTEM
    entity = Entity.CUSTOMER

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        return self.client.customers_page(since, until, cursor)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        return read_by_ids(ids, cursor, "customer", self.client.customers_by_id, split_ids)

    def decode(self, raw: raw_models.Customer) -> Customer:
        try:
            return decode_customer(raw, timezone=self.client.settings.store_timezone)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: raw_models.Customer) -> str:
        return str(raw.customer_id)

    def close(self) -> None:
        self.client.close()


class CustomerTarget:
    """`Target[Customer]`: back-office contacts into linked store customers."""

    system = SYSTEM
    entity = Entity.CUSTOMER
    binding_entity = CUSTOMER

    def __init__(self, ctx: Context | None = None, client: Shift4ShopClient | None = None) -> None:
        self.client = client or Shift4ShopClient.from_env()
        self.hasher = CustomerHasher()

    def payload_hash(self, record: Customer) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Customer) -> str | None:
        if not record.email:
            return f"{record.ref.key}: customer.email is empty: store customers are linked by it"
        return None

    def _link(self, item: Item[Customer]) -> tuple[str | None, Outcome | None]:
        if item.binding is not None and item.binding.target_id.isdigit():
            return item.binding.target_id, None
        return None, Outcome(item.ref, Status.SKIPPED)

    def load(self, items: Sequence[Item[Customer]]) -> LoadResult:
        done: list[Outcome] = []
        bodies: list[tuple[Item[Customer], str, dict[str, Any]]] = []
        for item in items:
            target_id, outcome = self._link(item)
            if outcome is not None:
                done.append(outcome)
                continue
            assert target_id is not None
            try:
                payload = self.hasher.payload(item.record)
            except MappingError as exc:
                done.append(failed(item, "MappingError", str(exc)))
                continue
            if not payload:  # nothing this direction owns (a CRM contact without a phone):
                done.append(already_there(item, self, target_id))  # the store refuses {}
                continue
            bodies.append((item, target_id, payload))
        results = self.client.update_customers([{"CustomerID": int(t), **p} for _, t, p in bodies])
        by_id = {r.value: r for r in results}
        for item, target_id, payload in bodies:
            r = by_id.get(target_id)
            if r is not None and r.ok:
                done.append(written(item, target_id, payload, echo=item.record))
            else:
                why = r.message if r is not None else "no answer for this customer"
                done.append(
                    failed(item, "RecordError", f"Shift4Shop refused customer {target_id}: {why}")
                )
        return LoadResult(done, counters={"store_customers_updated": len(bodies)})

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
