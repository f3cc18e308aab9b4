"""Canonical records → Dataverse rows: what the Dynamics 365 adapters write (pure, no I/O).

The mappings in `transforms/mappings/dynamics365/*.yaml` are authoritative; `encode` is the one
way to apply them, because Dataverse rows need three things the generic `apply` does not do:

* keys are written flat: `customerid_account@odata.bind` has a dot that must not nest;
* single-line store addresses are split first (`dynamics365_address.split_address`: only where
  the address lacks city, state and zip);
* derived context (`billto_contactname`, `shipto_contactname`: "First Last") is added, also to a
  `Symbolic` context, so a hash of what *would* be written equals what is written.

Keys: `storebridge_id` holds the store record's key, addressed as an alternate key
(`/salesorders(storebridge_id='...')`). Dataverse breaks GET/PATCH by key on values with
`/ \\ < > * % & : #` (backoffice-apis.md 2.3), and a ref key is `shift4shop:order:1001`, so the
stored value is `external_key(ref)`: `shift4shop.order.1001`, an id's unsafe characters escaped as
`~XX` (hex); `parse_external_key` reads it back (and the colon form too).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError

from transforms.canonical import Customer, ExternalRef, Order, Payment
from transforms.dynamics365_address import split_address
from transforms.mapping import FieldMapping, MappingError, Symbolic, apply, load_mapping

SYSTEM = "dynamics365"
EXTERNAL_ID = "storebridge_id"
UNSAFE = re.compile(r"[/\\<>*%&:#?~\s]")


class State(NamedTuple):
    """A statecode/statuscode pair (always set together: the platform refuses one alone)."""

    statecode: int
    statuscode: int


def external_key(ref: ExternalRef) -> str:
    """The `storebridge_id` of a record written from `ref`: safe in a key-addressed URL."""
    rid = UNSAFE.sub(lambda m: "".join(f"~{b:02X}" for b in m.group().encode()), ref.id)
    return f"{ref.system}.{ref.entity.value}.{rid}"


def parse_external_key(value: str | None) -> ExternalRef | None:
    """`shift4shop.order.1001` (or `shift4shop:order:1001`) → its ExternalRef; None otherwise."""
    if not value:
        return None
    sep = ":" if ":" in value.split(".", 1)[0] else "."
    system, _, rest = value.partition(sep)
    entity, _, rid = rest.partition(sep)
    if sep == ".":
        rid = bytes_unescape(rid)
    try:
        return ExternalRef.model_validate({"system": system, "entity": entity, "id": rid})
    except ValidationError:
        return None


def bytes_unescape(text: str) -> str:
    """`~3A` → `:` (the escapes of `external_key`)."""
    if "~" not in text:
        return text
    raw = re.sub(rb"~([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), text.encode())
    return raw.decode("utf-8", errors="replace")


def literal(value: str) -> str:
    """An OData string literal: single quotes doubled (`O'Brien` → `'O''Brien'`)."""
    return "'" + value.replace("'", "''") + "'"


def bind(entity_set: str, key: str | Mapping[str, str]) -> str:
    """An `@odata.bind` path: `/accounts(<guid>)` or `/accounts(storebridge_id='...')`."""
    if isinstance(key, str):
        return f"/{entity_set}({key})"
    inner = ",".join(f"{col}={literal(val)}" for col, val in key.items())
    return f"/{entity_set}({inner})"


def product_bind(sku: str | None = None, product_id: str | None = None) -> str:
    """The product of a line: its resolved GUID, else by the key `productnumber` = SKU (an org
    must define that alternate key for the second form)."""
    if product_id:
        return bind("products", product_id)
    if not sku:
        raise ValueError("product_bind needs a product id or a SKU")
    return bind("products", {"productnumber": sku})


def _name(address: Any) -> str | None:
    parts = [getattr(address, k, None) for k in ("first_name", "last_name")]
    return " ".join(p for p in parts if p) or None


def prepare(record: Any) -> Any:
    """The record as Dataverse gets it: single-line addresses split (Customer, Order)."""
    if isinstance(record, Order):
        return record.model_copy(
            update={
                "billing_address": split_address(record.billing_address),
                "shipping_address": split_address(record.shipping_address),
                "customer": prepare(record.customer),
            }
        )
    if isinstance(record, Customer):
        return record.model_copy(
            update={
                "billing_address": split_address(record.billing_address),
                "shipping_address": split_address(record.shipping_address),
            }
        )
    return record


def derived(record: Any) -> dict[str, Any]:
    """Context values computed from the record itself (contact names of an order's addresses)."""
    if not isinstance(record, Order):
        return {}
    return {
        "billto_contactname": _name(record.billing_address),
        "shipto_contactname": _name(record.shipping_address),
    }


def mapping(name: str) -> FieldMapping:
    """`transforms/mappings/dynamics365/<name>.yaml`."""
    return load_mapping(f"{SYSTEM}/{name}")


def encode(
    name: str,
    record: Any,
    *,
    creating: bool = True,
    ctx: Mapping[str, Any] | None = None,
    table_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The row `mappings/dynamics365/<name>.yaml` makes of `record` (flat keys).

    Raises:
        MappingError: a required column is empty, a lookup has no entry, a converter failed.
    """
    m = mapping(name)
    if table_overrides:
        m = m.with_tables(table_overrides)
    extra = derived(record)
    given: dict[str, Any] = Symbolic(ctx) if isinstance(ctx, Symbolic) else dict(ctx or {})
    for key, value in extra.items():
        if not isinstance(ctx, Symbolic) or not dict.__contains__(ctx, key):
            given[key] = value
    return apply(m, prepare(record), creating=creating, ctx=given, nested=False)


def _state(table_name: str, mapping_name: str, key: str, overrides: Any) -> State:
    m = mapping(mapping_name)
    table = {**m.tables[table_name], **(overrides or {})}
    entry = table.get(key, table.get("_default"))
    if not isinstance(entry, Mapping):
        raise MappingError(
            m.name,
            "statecode",
            "status",
            f"{key!r} has no entry in table {table_name!r} ({', '.join(sorted(table))})",
        )
    return State(int(entry["statecode"]), int(entry["statuscode"]))


def order_state(status: Any, overrides: Mapping[str, Any] | None = None) -> State:
    """The statecode/statuscode a salesorder ends in for a canonical status (`tables.state`)."""
    return _state("state", "salesorder", str(getattr(status, "value", status)), overrides)


def invoiceable(payment: Payment) -> bool:
    """True for the payments that become invoices (`invoice.yaml` `tables.invoiced_kinds`)."""
    return bool(mapping("invoice").tables["invoiced_kinds"].get(payment.kind.value, False))


def invoice_state(payment: Payment) -> State:
    """The statecode/statuscode of a payment's invoice (`invoice.yaml` `tables.state`)."""
    return _state("state", "invoice", payment.status.value, None)


def unknown_skus(order: Order, known: Collection[str]) -> list[str]:
    """Validation before any write: one message per line whose SKU is no product number in
    Dynamics 365 (write-in products are not used), naming the record and the field."""
    return [
        f"{order.ref.key}: lines.{n}.sku {line.sku!r} is no productnumber of an active "
        "Dynamics 365 product (write-in products are not used)"
        for n, line in enumerate(order.lines)
        if line.sku not in known
    ]
