"""Rows as the Web API returns them: ``$select``, ``@odata.etag``, lookups, ``$expand``.

A lookup is ``_<column>_value`` (the GUID); its target table is the annotation
``_<column>_value@Microsoft.Dynamics.CRM.lookuplogicalname``, rendered only when the request's
``Prefer: odata.include-annotations`` asks for it (``"*"`` or that name). Without ``$select`` a
row carries the columns it has a value for (assumption: the platform returns every column, most
of them null; the connector must ``$select`` anyway, as the docs insist).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.dynamics365.errors import bad_property, query_syntax
from sandbox.dynamics365.schema import TABLES, Table
from sandbox.dynamics365.store import ANNOTATION, Row, Store


def column_key(table: Table, name: str) -> str:
    """The stored key of a column name in ``$select``/``$filter``/``$orderby``, or 400."""
    if name == table.key:
        return name
    lookups = table.lookup_columns()
    if name.startswith("_") and name.endswith("_value") and name[1:-6] in lookups:
        return name
    if name in lookups:
        return f"_{name}_value"
    if name in table.columns:
        return name
    raise bad_property(table.logical, name)


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses and quotes (``$expand`` lists, nested options)."""
    parts, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class Expand:
    """One single-valued navigation to expand, with its own ``$select``."""

    nav: str
    column: str
    target: Table
    select: tuple[str, ...] | None


@dataclass
class Shape:
    """What a rendered row holds: selected keys, expansions, annotations."""

    table: Table
    select: tuple[str, ...] | None = None
    expand: list[Expand] = field(default_factory=list)
    annotations: bool = False


def parse_select(table: Table, text: str | None) -> tuple[str, ...] | None:
    """The stored keys named by ``$select`` (None: every column the row has)."""
    if not text:
        return None
    return tuple(column_key(table, n.strip()) for n in text.split(",") if n.strip())


def parse_expand(table: Table, text: str | None) -> list[Expand]:
    """Single-valued ``$expand`` items (``nav`` or ``nav($select=a,b)``); collections are 400."""
    out = []
    for item in split_top(text or ""):
        nav, _, inner = item.partition("(")
        nav = nav.strip()
        if nav not in table.navs:
            raise bad_property(table.logical, nav)
        column, target_set = table.navs[nav]
        target = TABLES[target_set]
        select = None
        for opt in split_top(inner.rstrip(")"), ";"):
            name, _, value = opt.partition("=")
            if name.strip() != "$select":
                raise query_syntax(f"only $select is supported inside $expand({nav})")
            select = parse_select(target, value)
        out.append(Expand(nav, f"_{column}_value", target, select))
    return out


def wants_annotations(prefer: str) -> bool:
    """Whether ``Prefer`` asks for the lookup logical name annotations."""
    low = prefer.lower()
    return 'include-annotations="*"' in low or "lookuplogicalname" in low


def render(store: Store, shape: Shape, row: Row) -> dict[str, Any]:
    """One row as JSON-ready data."""
    table = shape.table
    out: dict[str, Any] = {"@odata.etag": f'W/"{row["versionnumber"]}"'}
    keys = shape.select if shape.select is not None else tuple(k for k in row if "@" not in k)
    for key in keys:
        out[key] = row.get(key)
        if shape.annotations and key.endswith("_value") and row.get(key) is not None:
            out[f"{key}{ANNOTATION}"] = row.get(f"{key}{ANNOTATION}")
    out[table.key] = row[table.key]
    for ex in shape.expand:
        target_id = row.get(ex.column)
        linked = row.get(f"{ex.column}{ANNOTATION}") == ex.target.logical
        target = store.get(ex.target.entity_set, target_id) if target_id and linked else None
        out[ex.nav] = None if target is None else render(store, Shape(ex.target, ex.select), target)
    return out


def context(root: str, table: Table, select: tuple[str, ...] | None, single: bool = False) -> str:
    """The ``@odata.context`` URL of a response."""
    cols = f"({','.join(select)})" if select else ""
    return f"{root}/$metadata#{table.entity_set}{cols}{'/$entity' if single else ''}"
