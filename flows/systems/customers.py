"""What the back offices' customer adapters share (Salesforce, Dynamics 365, Sage 300).

Each back office resolves a batch's store customers the same way: grouped by the key they are
matched on, the group's `representative` names the record a create makes, the `newest` one's
details are written, refusals are `masked` before they reach a dead letter, and
`customer_binds` says what the state store records once the back-office record is known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from connectors.http.redaction import redact_record
from connectors.state import BindRequest
from transforms.canonical import Customer

_FLOOR = dt.datetime.min.replace(tzinfo=dt.UTC)


def representative(group: Sequence[Customer]) -> Customer:
    """The customer whose key names new records: a registered id before a guest's, then the
    lowest id (it depends on the customers, not on which batch they arrived in)."""
    return min(group, key=lambda c: (c.is_guest, c.ref.id))


def newest(group: Sequence[Customer]) -> Customer:
    """The customer with the latest details (the one a write or refresh sends)."""
    return max(group, key=lambda c: c.updated_at or _FLOOR)


def masked(why: str, customers: Sequence[Customer]) -> str:
    """A refusal text with the customers' own personal data masked: back offices quote values
    (validation rules, duplicate checks), and the orders failing with it keep only a summary."""
    return redact_record(why, [c.model_dump(mode="json") for c in customers])[0]


def customer_binds(
    group: Sequence[Customer],
    system: str,
    records: Sequence[tuple[str, str | None]],
    own: str | None,
    payload_hash: str | None,
    as_of: dt.datetime | None = None,
) -> list[BindRequest]:
    """The bindings of store customers to their back-office records.

    Args:
        group: the store customers that resolved to the same back-office customer.
        system: the back office.
        records: (object, id) of each record the customer is bound to (e.g. the Account and the
            Contact); a missing id binds nothing.
        own: the record that is linked back to each store customer when the back office had it
            before storebridge (`payload_hash` None): its edits may then reach the store
            customer (the `customers` use case read back), never the other way round; guests
            are never linked back.
        payload_hash: the hash of what storebridge wrote (None: the back office's own record).
        as_of: the details' time, so an older read never rolls the binding back.
    """
    out: list[BindRequest] = []
    for c in group:
        out += [
            BindRequest(
                c.ref.system, "customer", c.ref.id, system, obj, target, payload_hash, as_of
            )
            for obj, target in records
            if target
        ]
        if payload_hash is None and own and not c.is_guest:
            out.append(BindRequest(system, "customer", own, c.ref.system, "Customer", c.ref.id, ""))
    return out
