"""Record writes shared by the resources: master data (customers, items, pricing, locations) and
the detail collections of every resource (``UpdateOperation`` Insert / Update / Delete /
Unspecified, as the Developer Reference describes for PATCH).

Rules the Sage views apply and this emulator keeps: key values are upper-cased; a POST of an
existing key is RecordDuplicate; a customer's GroupCode must exist (``CUSTOMER_GROUPS``: RTL,
WHL) and brings its account set, terms, billing cycle and price list when the payload has none;
item pricing needs the item; ``DateLastMaintained`` is the server's business date of the write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.sage300.constants import CUSTOMER_GROUPS, DEFAULT_GROUP
from sandbox.sage300.db import CompanyDb, Row
from sandbox.sage300.errors import SageError, bad_payload, duplicate, invalid, not_found
from sandbox.sage300.resources import (
    UPPER,
    Decoded,
    Detail,
    Entity,
    Resource,
    decode,
    decode_value,
)
from sandbox.sage300.schema import TABLES, ValueTooLong

Prepare = Callable[[Entity, dict[str, Any], Row, int], None]


@dataclass
class Ctx:
    """A write's surroundings: the database and the emulator's number counters."""

    db: CompanyDb
    counters: dict[str, int] = field(default_factory=dict)
    default_location: str = ""  # O/E options: the location a new order defaults to

    def next(self, name: str, floor: int = 0) -> int:
        """The next value of counter `name` (at least `floor` + 1)."""
        value = max(self.counters.get(name, 0), floor) + 1
        self.counters[name] = value
        return value


def stored_key(entity: Entity, key: Mapping[str, Any]) -> dict[str, Any]:
    """Column -> value of a key given by field name (codes upper-cased as Sage stores them)."""
    out = {}
    for f in entity.key_fields():
        value = key[f.name]
        if isinstance(value, str) and f.column in UPPER:
            value = value.strip().upper()
        out[f.column] = value
    return out


def find(db: CompanyDb, entity: Entity, key: Mapping[str, Any]) -> Row | None:
    """The row with `key` (field name -> value), or None."""
    try:
        return db.get(entity.table, stored_key(entity, key))
    except ValueTooLong:
        return None


def insert(db: CompanyDb, table: str, values: Mapping[str, Any]) -> Row:
    """`db.insert`, a too-long string answering InvalidPayload."""
    try:
        return db.insert(table, values)
    except ValueTooLong as err:
        raise bad_payload(
            f"The value for column {err.column} exceeds {err.length} characters."
        ) from None


def update(db: CompanyDb, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> Row:
    try:
        return db.update(table, key, values)
    except ValueTooLong as err:
        raise bad_payload(
            f"The value for column {err.column} exceeds {err.length} characters."
        ) from None


def require(value: Any, label: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(f"{label} cannot be blank.")
    return value


# --- details --------------------------------------------------------------------------------------
def _child_key(detail: Detail, parent: Row, cols: Mapping[str, Any]) -> dict[str, Any] | None:
    """The child's full key from the parent link and the payload, or None when incomplete."""
    linked = {child: parent[par] for child, par in detail.link}
    key = {}
    for column in TABLES[detail.entity.table].key:
        if column in linked:
            key[column] = linked[column]
        elif cols.get(column) not in (None, ""):
            key[column] = cols[column]
        else:
            return None
    return key


def write_details(
    db: CompanyDb,
    detail: Detail,
    parent: Row,
    items: list[Any],
    prepare: Prepare,
    *,
    patch: bool,
) -> None:
    """Apply a detail collection of a POST (every item inserted) or a PATCH (UpdateOperation)."""
    entity = detail.entity
    for index, item in enumerate(items, start=1):
        decoded = decode(entity, item, keep_computed=True)
        cols = dict(decoded.columns.get(entity.table, {}))
        op = str(decoded.extra.get("UpdateOperation") or "Unspecified")
        if op not in ("Unspecified", "Insert", "Update", "Delete"):
            raise bad_payload(f"'{op}' is not a valid UpdateOperation.")
        key = _child_key(detail, parent, cols)
        existing = db.get(entity.table, key) if key and patch else None
        if patch and op in ("Update", "Delete") and existing is None:
            raise SageError("RecordNotFound", f"{entity.type_name} to {op.lower()} does not exist.")
        if op == "Delete":
            assert key is not None
            delete_tree(db, entity, key)
            continue
        for f in entity.fields:
            if f.computed and f.column in cols and f.column not in TABLES[entity.table].key:
                del cols[f.column]
        if existing is not None and op != "Insert":
            values = {c: v for c, v in cols.items() if c not in TABLES[entity.table].key}
            row = update(db, entity.table, key or {}, values) if values else existing
        else:
            if existing is not None:
                raise duplicate(entity.type_name, "with this key")
            for child, par in detail.link:
                cols[child] = parent[par]
            prepare(entity, cols, parent, index)
            row = insert(db, entity.table, cols)
        for sub in entity.details:
            if sub.name in decoded.details:
                write_details(db, sub, row, decoded.details[sub.name], prepare, patch=patch)


def delete_tree(db: CompanyDb, entity: Entity, key: Mapping[str, Any]) -> None:
    """Delete a row, its companion tables and its details."""
    row = db.get(entity.table, key)
    if row is None:
        return
    for d in entity.details:
        where = {child: row[par] for child, par in d.link}
        for child_row in db.select(d.entity.table, where):
            delete_tree(db, d.entity, {k: child_row[k] for k in TABLES[d.entity.table].key})
    for table in entity.tables:
        db.delete(table, {k: row[k] for k in TABLES[table].key})


# --- master data ----------------------------------------------------------------------------------
def _no_prepare(entity: Entity, cols: dict[str, Any], parent: Row, index: int) -> None:
    return None


def _customer_rules(ctx: Ctx, cols: dict[str, Any], creating: bool) -> None:
    group = cols.get("IDGRP")
    if creating and not group:
        group = cols["IDGRP"] = DEFAULT_GROUP
    if group is not None:
        if group not in CUSTOMER_GROUPS:
            raise invalid(f"Group Code '{group}' does not exist.")
        if creating:
            for column, value in CUSTOMER_GROUPS[group].items():
                if not cols.get(column):
                    cols[column] = value
    if creating:
        today = ctx.db.today()
        cols.setdefault("DATESTART", today)
        if not cols.get("TEXTSNAM"):
            cols["TEXTSNAM"] = str(cols.get("NAMECUST") or cols["IDCUST"])[:10]
        cols.setdefault("SWACTV", 1)
    cols["DATELASTMN"] = ctx.db.today()
    if cols.get("SWACTV") == 0 and not cols.get("DATEINAC"):
        cols["DATEINAC"] = ctx.db.today()


def _rules(ctx: Ctx, resource: Resource, cols: dict[str, Any], creating: bool) -> None:
    name = resource.name
    if name == "ARCustomers":
        _customer_rules(ctx, cols, creating)
    elif name == "ICItems":
        if creating and not cols.get("FMTITEMNO"):
            cols["FMTITEMNO"] = cols["ITEMNO"]
        cols["DATELASTMN"] = ctx.db.today()
    elif name == "ICLocations":
        cols["DATELASTMN"] = ctx.db.today()
    elif name == "ICItemPricing" and creating:
        item = ctx.db.get("ICITEM", {"ITEMNO": cols["ITEMNO"]})
        if item is None:
            raise invalid(f"Item number '{str(cols['ITEMNO']).strip()}' does not exist.")
        if not cols.get("DESC"):
            cols["DESC"] = item["DESC"]


def _detail_prepare(entity: Entity, cols: dict[str, Any], parent: Row, index: int) -> None:
    """Defaults of a master record's detail rows: a price detail's unit and price type."""
    if entity.table == "ICPRICP":
        cols.setdefault("QTYUNIT", "EA")
        cols.setdefault("DPRICETYPE", 1)


def sync_base_price(db: CompanyDb, pricing: Row) -> None:
    """ICPRIC.BASEPRICE (assumed column) := the Base Price Quantity of its default base unit."""
    key = {k: pricing[k] for k in ("CURRENCY", "ITEMNO", "PRICELIST")}
    details = [d for d in db.select("ICPRICP", {**key, "DPRICETYPE": 1})]
    unit = str(pricing["DEFBUNIT"]).strip()
    chosen = [d for d in details if str(d["QTYUNIT"]).strip() == unit] or details
    price = chosen[0]["UNITPRICE"] if chosen else 0
    if float(pricing["BASEPRICE"]) != float(price):
        db.update("ICPRIC", key, {"BASEPRICE": price})


def _key_from(entity: Entity, decoded: Decoded) -> dict[str, Any]:
    cols = decoded.columns.get(entity.table, {})
    out = {}
    for f in entity.key_fields():
        out[f.name] = require(cols.get(f.column), f.name)
    return out


def create_master(ctx: Ctx, resource: Resource, payload: Any) -> Row:
    """POST of a master-data record (and its details)."""
    entity = resource.entity
    decoded = decode(entity, payload)
    key = _key_from(entity, decoded)
    if find(ctx.db, entity, key) is not None:
        shown = ", ".join(str(v) for v in key.values())
        raise duplicate(entity.type_name, f"'{shown}'")
    cols = dict(decoded.columns.get(entity.table, {}))
    _rules(ctx, resource, cols, creating=True)
    row = insert(ctx.db, entity.table, cols)
    for d in entity.details:
        if d.name in decoded.details:
            write_details(ctx.db, d, row, decoded.details[d.name], _detail_prepare, patch=False)
    if resource.name == "ICItemPricing":
        sync_base_price(ctx.db, row)
    return row


def patch_master(ctx: Ctx, resource: Resource, row: Row, payload: Any, *, replace: bool) -> Row:
    """PATCH (given properties) or PUT (replace: the rest back to defaults, details purged)."""
    entity = resource.entity
    decoded = decode(entity, payload)
    table = TABLES[entity.table]
    key = {k: row[k] for k in table.key}
    cols = dict(decoded.columns.get(entity.table, {}))
    for column, value in list(cols.items()):
        if column in table.key:
            if value is not None and str(value).strip() != str(row[column]).strip():
                raise bad_payload("The key of an existing record cannot change.")
            del cols[column]
    if replace:
        base = table.blank_row()
        for column in table.names:
            if column not in table.key and column not in ("AUDTDATE", "AUDTTIME"):
                cols.setdefault(column, base[column])
    _rules(ctx, resource, cols, creating=False)
    updated = update(ctx.db, entity.table, key, cols) if cols else row
    for d in entity.details:
        if replace:
            for child in ctx.db.select(d.entity.table, {c: updated[p] for c, p in d.link}):
                delete_tree(ctx.db, d.entity, {k: child[k] for k in TABLES[d.entity.table].key})
        if d.name in decoded.details:
            write_details(
                ctx.db, d, updated, decoded.details[d.name], _detail_prepare, patch=not replace
            )
    if resource.name == "ICItemPricing":
        sync_base_price(ctx.db, ctx.db.get(entity.table, key) or updated)
    return ctx.db.get(entity.table, key) or updated


def delete_master(ctx: Ctx, resource: Resource, row: Row) -> None:
    entity = resource.entity
    if resource.name == "ARCustomers":
        customer = str(row["IDCUST"]).strip()
        if ctx.db.select("OEORDH", {"CUSTOMER": customer}):
            raise invalid(f"Customer Number '{customer}' has orders and cannot be deleted.")
    delete_tree(ctx.db, entity, {k: row[k] for k in TABLES[entity.table].key})


def lookup(ctx: Ctx, resource: Resource, key: Mapping[str, Any]) -> Row:
    """The row of a keyed request, or RecordNotFound."""
    row = find(ctx.db, resource.entity, key)
    if row is None:
        raise not_found()
    return row


__all__ = [
    "Ctx",
    "create_master",
    "decode_value",
    "delete_master",
    "delete_tree",
    "find",
    "insert",
    "lookup",
    "patch_master",
    "require",
    "update",
    "write_details",
]
