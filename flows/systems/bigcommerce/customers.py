"""BigCommerce customers: the source of registered customers, and their target the other way.

Store → back office: registered customers changed in a window (`GET /v3/customers` on
`date_modified`, with their addresses); guests only exist in orders, order-to-cash brings them.
Back office → store: a back-office contact changes a store customer only when the two are
linked, and linking is the other direction's job ("link before sync": it matches by e-mail,
refuses ambiguous matches, and binds both ways). As with Shift4Shop, storebridge does not create
store accounts from CRM contacts by default (a CRM holds people who never shopped): unlinked
contacts are skipped, at no API cost. `CustomerTarget(create_missing=True)` creates them
instead, looking each e-mail up first (`email:in`: BigCommerce has no upsert by e-mail), so a
create whose answer was lost finds the account on the retry instead of making a second one.
Only the fields this direction owns are written (`transforms/mappings/bigcommerce/customer.yaml`;
`PUT /v3/customers` in batches of 10, the connector's business).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from connectors.bigcommerce import BigCommerceClient
from connectors.bigcommerce import models as raw_models
from connectors.records import Page
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
from flows.systems.bigcommerce.orders import is_id, split_ids
from flows.systems.ids import read_by_ids
from transforms.bigcommerce import SYSTEM, decode_customer
from transforms.canonical import Customer, Entity, digest
from transforms.mapping import MappingError, apply, fingerprint, load_mapping

CUSTOMER = "Customer"


class CustomerHasher:
    """What a customer write to the store sends (pure)."""

    binding_entity = CUSTOMER

    def __init__(self) -> None:
        self.mapping = load_mapping("bigcommerce/customer")
        self.fingerprint = fingerprint(self.mapping)

    def payload(self, c: Customer) -> dict[str, Any]:
        return apply(self.mapping, c, creating=False)

    def payload_hash(self, c: Customer) -> str:
        return digest(self.fingerprint, self.payload(c))


class CustomerCodec:
    """Pure decoder of customer payloads written to the store (echo suppression)."""

    def decode_written(self, payload: dict[str, Any], target_id: str) -> Customer | None:
        try:
            raw = raw_models.Customer.model_validate({**payload, "id": int(target_id)})
            return decode_customer(raw)
        except (ValueError, TypeError):
            return None


class CustomerSource:
    """`Source[Customer]`: registered store customers changed in a window, or by id."""

    system = SYSTEM
    entity = Entity.CUSTOMER

    def __init__(self, ctx: Context | None = None, client: BigCommerceClient | None = None) -> None:
        self.client = client or BigCommerceClient.from_env()

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        return self.client.customers_page(since, until, cursor)

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        return read_by_ids(ids, cursor, "customer", self.client.customers_by_id, split_ids)

    def decode(self, raw: raw_models.Customer) -> Customer:
        try:
            return decode_customer(raw)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None

    def external_id(self, raw: raw_models.Customer) -> str:
        return str(raw.id)

    def close(self) -> None:
        self.client.close()


class CustomerTarget:
    """`Target[Customer]`: back-office contacts into linked store customers (see the module
    docstring; `create_missing` creates the unlinked ones, looked up by e-mail first)."""

    system = SYSTEM
    entity = Entity.CUSTOMER
    binding_entity = CUSTOMER

    def __init__(
        self,
        ctx: Context | None = None,
        client: BigCommerceClient | None = None,
        *,
        create_missing: bool = False,
    ) -> None:
        self.client = client or BigCommerceClient.from_env()
        self.hasher = CustomerHasher()
        self.create_missing = create_missing
        self.create_mapping = load_mapping("bigcommerce/customer_create")
        self.fresh: set[str] = set()  # store customers created by the current load

    def payload_hash(self, record: Customer) -> str:
        return self.hasher.payload_hash(record)

    def validate(self, record: Customer) -> str | None:
        if not record.email:
            return f"{record.ref.key}: customer.email is empty: store customers are linked by it"
        return None

    def load(self, items: Sequence[Item[Customer]]) -> LoadResult:
        done: list[Outcome] = []
        linked: list[tuple[Item[Customer], str]] = []
        unlinked: list[Item[Customer]] = []
        for item in items:
            if item.binding is not None and is_id(item.binding.target_id):
                linked.append((item, item.binding.target_id))
            elif self.create_missing:
                unlinked.append(item)
            else:
                done.append(Outcome(item.ref, Status.SKIPPED))
        counters: dict[str, int] = {}
        self.fresh.clear()
        if unlinked:
            linked += self._link_or_create(unlinked, done, counters)
        bodies: list[tuple[Item[Customer], str, dict[str, Any]]] = []
        for item, target_id in linked:
            try:
                payload = self.hasher.payload(item.record)
            except MappingError as exc:
                done.append(failed(item, "MappingError", str(exc)))
                continue
            if target_id in self.fresh:  # created just now, with these fields
                done.append(written(item, target_id, payload, echo=item.record))
                continue
            if not payload:  # nothing this direction owns (a CRM contact without a phone):
                done.append(already_there(item, self, target_id))  # no call
                continue
            bodies.append((item, target_id, payload))
        results = (
            self.client.update_customers([{"id": int(t), **p} for _, t, p in bodies])
            if bodies
            else []
        )
        by_id = {str(r.id): r for r in results if r.id is not None}
        for item, target_id, payload in bodies:
            r = by_id.get(target_id)
            if r is not None and r.ok:
                done.append(written(item, target_id, payload, echo=item.record))
            else:
                why = r.message if r is not None else "no answer for this customer"
                done.append(
                    failed(item, "RecordError", f"BigCommerce refused customer {target_id}: {why}")
                )
        counters["store_customers_updated"] = len(bodies)
        return LoadResult(done, counters=counters)

    def _link_or_create(
        self, items: list[Item[Customer]], done: list[Outcome], counters: dict[str, int]
    ) -> list[tuple[Item[Customer], str]]:
        """The store customers of unlinked contacts: found by e-mail, else created from the
        contact (`customer_create.yaml`); the caller then writes what this direction owns, as
        for linked ones. Contacts that could not be created are appended to `done`."""
        found = self._by_email(list(dict.fromkeys(str(i.record.email) for i in items)))
        refused: dict[str, str] = {}
        creating: dict[str, dict[str, Any]] = {}  # e-mail -> body (one account per e-mail)
        for item in items:
            email = str(item.record.email)
            if email in found or email in creating or email in refused:
                continue
            try:
                creating[email] = apply(self.create_mapping, item.record, creating=True)
            except MappingError as exc:
                refused[email] = str(exc)
        results = self.client.create_customers(list(creating.values())) if creating else []
        answers = [*results, *[None] * (len(creating) - len(results))]
        for email, r in zip(creating, answers, strict=True):
            if r is not None and r.ok and r.id is not None:
                found[email] = str(r.id)
                self.fresh.add(str(r.id))
                counters["store_customers_created"] = counters.get("store_customers_created", 0) + 1
            else:
                refused[email] = r.message if r is not None else "no answer for this customer"
        lost = [e for e in creating if e not in found]
        if lost:  # "e-mail already in use" may be our own create whose answer was lost
            found.update(self._by_email(lost))
        out: list[tuple[Item[Customer], str]] = []
        for item in items:
            email = str(item.record.email)
            if email in found:
                out.append((item, found[email]))
            else:
                why = refused.get(email, "not created")
                done.append(failed(item, "RecordError", f"BigCommerce refused the customer: {why}"))
        return out

    def _by_email(self, emails: list[str]) -> dict[str, str]:
        """E-mail (lower case) → the id of the one store customer holding it."""
        if not emails:
            return {}
        hits: dict[str, list[str]] = {}
        for c in self.client.customers_by_email(emails):
            hits.setdefault(str(c.email).strip().lower(), []).append(str(c.id))
        return {e: ids[0] for e, ids in hits.items() if len(ids) == 1}

    def finish(self) -> LoadResult:
        return LoadResult()

    def close(self) -> None:
        self.client.close()
