"""Index-backed candidate rows for SOQL (REST API v42.0–v62.0).

A WHERE clause that is an ``=`` or ``IN`` on an indexed field of the queried object (`Id`,
external ids, unique, reference fields, Email, ProductCode …) — or an AND with at least one such
term — only needs the rows those values point at; the smallest such set is used. Anything else
(OR, NOT, relationship paths, ranges, ``= null``) scans. The caller still applies the whole
predicate to every candidate.
"""

from __future__ import annotations

from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.index import Record, match_key
from sandbox.salesforce.model import SObject
from sandbox.salesforce.soql import Comparison, Junction, Literal, Node
from sandbox.salesforce.store import Store

# Literal kinds an indexed field can be looked up by (type errors were raised already).
LOOKUP_KINDS = frozenset({"string", "number", "boolean", "date", "datetime"})


def _keys(node: Comparison, obj: SObject, store: Store) -> tuple[str, list[object]] | None:
    """(field name, comparison keys) of an indexable comparison, else None."""
    if node.op not in ("=", "IN") or len(node.path.parts) != 1:
        return None
    f = obj.field(node.path.parts[0])
    if f is None or not store.indexed(obj.name, f):
        return None
    literals = node.value if isinstance(node.value, tuple) else (node.value,)
    if not all(isinstance(lit, Literal) and lit.kind in LOOKUP_KINDS for lit in literals):
        return None
    if f.type in ("id", "reference"):
        return f.name, [normalize_id(lit.value) for lit in literals]
    return f.name, [match_key(f, lit.value) for lit in literals]


def _ids(store: Store, obj: SObject, node: Node) -> set[str] | None:
    if isinstance(node, Comparison):
        found = _keys(node, obj, store)
        if found is None:
            return None
        f = obj.fields[found[0]]
        return {
            rec["Id"]
            for key in found[1]
            if key is not None
            for rec in store.matching(obj.name, f, key, deleted=True)
        }
    if isinstance(node, Junction) and node.op == "AND":
        best: set[str] | None = None
        for item in node.items:
            ids = _ids(store, obj, item)
            if ids is not None and (best is None or len(ids) < len(best)):
                best = ids
        return best
    return None


def candidates(
    store: Store, obj: SObject, where: Node | None, *, include_deleted: bool
) -> list[Record] | None:
    """The rows an indexed filter narrows `where` to (creation order), or None to scan."""
    if where is None:
        return None
    ids = _ids(store, obj, where)
    if ids is None:
        return None
    table = store.tables[obj.name]
    # Ids grow with the record sequence: sorting them gives the table's (creation) order.
    rows = [table[rid] for rid in sorted(ids) if rid in table]
    return [r for r in rows if include_deleted or not r["IsDeleted"]]
