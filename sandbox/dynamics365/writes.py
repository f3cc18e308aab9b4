"""Creates, updates, upserts and deletes: payload checks, ``@odata.bind`` and platform rules.

`shared/docs/backoffice-apis.md` §2.3: ``POST`` creates; ``PATCH`` by GUID or alternate key is an
upsert (``If-Match: *`` update only -> 404 when missing; ``If-None-Match: *`` create only -> 412
when present; ``If-Match: W/"<n>"`` optimistic concurrency). Lookups are written as
``<nav>@odata.bind`` (``/accounts(<guid>)``, ``/accounts(storebridge_id='...')``, ``$n`` in a
changeset; ``null`` clears); writing ``_x_value`` directly is refused. Read-only columns the
platform computes (`Table.computed`, stamps) are ignored, as Dataverse ignores them. Unknown
columns are 400 ``0x80060888``; a money or quantity column given as a string is 400
``0x80048d19`` (payload error). The state rules and computed columns are in `rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.dynamics365 import rules
from sandbox.dynamics365.addressing import Address, bind_target, parse_path
from sandbox.dynamics365.errors import (
    ODataError,
    bad_property,
    duplicate,
    invalid,
    key_not_found,
    not_found,
    query_syntax,
    version_mismatch,
)
from sandbox.dynamics365.schema import QUANTITIES, SYSTEM_COLUMNS, TABLES, Table
from sandbox.dynamics365.store import ANNOTATION, Row, Store

BIND = "@odata.bind"


@dataclass
class Ctx:
    """What a write needs: the store and, inside a changeset, its ``Content-ID`` references."""

    store: Store
    refs: dict[str, str] = field(default_factory=dict)  # "1" -> "salesorders(<guid>)"


def locate(ctx: Ctx, address: Address) -> Row | None:
    """The row an address names, or None."""
    assert address.table is not None
    table = address.table
    if address.guid is not None:
        return ctx.store.get(table.entity_set, address.guid)
    assert address.alt is not None
    hits = [
        r
        for r in ctx.store.rows(table.entity_set)
        if all(_same(r.get(c), v) for c, v in address.alt)
    ]
    return hits[0] if hits else None


def _same(have: Any, want: Any) -> bool:
    if isinstance(have, str) and isinstance(want, str):
        return have.lower() == want.lower()
    return bool(have == want)


def missing(address: Address) -> ODataError:
    """The 404 for an address that names no row."""
    assert address.table is not None
    if address.guid is not None:
        return not_found(address.table.logical, address.guid)
    return key_not_found(address.table.logical)


def resolve_ref(ctx: Ctx, value: str) -> str:
    """``$n`` (a changeset's Content-ID) replaced by the path of the row it created."""
    if value.startswith("$"):
        ref = ctx.refs.get(value[1:].split("/", 1)[0])
        if ref is None:
            raise query_syntax(f"Content-ID reference {value.split('/', 1)[0]} is not declared")
        tail = value[1:].split("/", 1)
        return ref + (f"/{tail[1]}" if len(tail) > 1 else "")
    return value


def _fields(ctx: Ctx, table: Table, body: dict[str, Any], creating: bool) -> Row:
    """The stored columns `body` sets (binds resolved, read-only columns dropped)."""
    out: Row = {}
    lookups = table.lookup_columns()
    for key, value in body.items():
        if key.endswith(BIND):
            nav = key[: -len(BIND)]
            if nav not in table.navs:
                raise bad_property(table.logical, key)
            column, target_set = table.navs[nav]
            if value is None:
                out[f"_{column}_value"] = None
                out[f"_{column}_value{ANNOTATION}"] = None
                continue
            if not isinstance(value, str):
                raise query_syntax(f"{table.logical}.{key} must be an entity reference")
            targets = tuple(s for n, (c, s) in table.navs.items() if n == nav)
            address = bind_target(resolve_ref(ctx, value), targets, table.logical, nav)
            target = locate(ctx, address)
            if target is None:
                raise missing(address)
            target_table = TABLES[target_set]
            out[f"_{column}_value"] = target[target_table.key]
            out[f"_{column}_value{ANNOTATION}"] = target_table.logical
        elif key.startswith("@") or "@" in key:
            continue  # instance annotations (@odata.type, formatted values)
        elif key in table.navs:
            raise invalid(
                f"{table.logical}.{key}: deep insert is not supported by the sandbox; "
                "bind with @odata.bind"
            )
        elif key in lookups or (key.startswith("_") and key.endswith("_value")):
            raise invalid(f"{table.logical}.{key}: lookups are written with <nav>@odata.bind")
        elif key == table.key:
            if creating:
                out[key] = str(value).lower()
        elif key in SYSTEM_COLUMNS or key in table.computed:
            continue
        elif key in table.columns:
            out[key] = _typed(table, key, value)
        else:
            raise bad_property(table.logical, key)
    return out


def _typed(table: Table, key: str, value: Any) -> Any:
    if value is None or not (key in table.money or key in QUANTITIES):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ODataError(
            400,
            "0x80048d19",
            f"Error identified in Payload provided by the user for Entity :'{table.logical}': "
            f"cannot convert the value of '{key}' to the expected type 'Edm.Decimal'.",
        )
    return Decimal(str(value))


def create(ctx: Ctx, table: Table, body: dict[str, Any], preset: Row | None = None) -> Row:
    """``POST /<set>``: insert a row (its alternate keys must be free)."""
    fields = {**(preset or {}), **_fields(ctx, table, body, creating=True)}
    for key in table.alternate_keys:
        if all(fields.get(c) is not None for c in key):
            taken = locate(
                ctx, Address(table, table.entity_set, alt=tuple((c, fields[c]) for c in key))
            )
            if taken is not None:
                raise duplicate()
    if fields.get(table.key) and ctx.store.get(table.entity_set, fields[table.key]):
        raise duplicate()
    fields = rules.before_create(ctx.store, table, fields)
    row = ctx.store.insert(table.entity_set, fields)
    rules.after_write(ctx.store, table, row)
    return ctx.store.get(table.entity_set, row[table.key]) or row


def update(ctx: Ctx, table: Table, row: Row, body: dict[str, Any], if_match: str | None) -> Row:
    """``PATCH`` of an existing row (with optional optimistic concurrency)."""
    etag = f'W/"{row["versionnumber"]}"'
    if if_match and if_match.strip() not in ("*", etag):
        raise version_mismatch()
    fields = _fields(ctx, table, body, creating=False)
    fields = rules.before_update(ctx.store, table, row, fields)
    new = ctx.store.update(table.entity_set, row[table.key], fields)
    rules.after_write(ctx.store, table, new)
    return ctx.store.get(table.entity_set, new[table.key]) or new


def upsert(
    ctx: Ctx, address: Address, body: dict[str, Any], headers: dict[str, str]
) -> tuple[Row, bool]:
    """``PATCH /<set>(<key>)``: update, or create with the key; returns (row, created)."""
    assert address.table is not None
    table = address.table
    row = locate(ctx, address)
    if_match, if_none = headers.get("if-match"), headers.get("if-none-match")
    if row is not None:
        if if_none and if_none.strip() == "*":
            raise duplicate()
        return update(ctx, table, row, body, if_match), False
    if if_match:
        raise missing(address)
    preset: Row = {}
    if address.guid is not None:
        preset[table.key] = address.guid
    else:
        preset.update(dict(address.alt or ()))
    return create(ctx, table, body, preset), True


def delete(ctx: Ctx, address: Address) -> None:
    """``DELETE /<set>(<key>)`` (an order takes its lines with it)."""
    assert address.table is not None
    row = locate(ctx, address)
    if row is None:
        raise missing(address)
    rules.before_delete(ctx.store, address.table, row)
    ctx.store.delete(address.table.entity_set, row[address.table.key])


def target_of(ctx: Ctx, path: str) -> Address:
    """The address of a write's URL path (``$n`` references resolved)."""
    return parse_path(resolve_ref(ctx, path))
