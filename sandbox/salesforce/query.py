"""SOQL evaluation and result paging for the emulated org (REST API v42.0–v62.0).

Semantics follow SOQL: text comparisons and ORDER BY are case-insensitive; ``!=`` and ``NOT IN``
also match nulls; ``<``/``>`` never match nulls; nulls sort first unless ``NULLS LAST``; a filter
value must have the field's type (``'quoted'`` for text and ids, bare for numbers, booleans,
dates and datetimes), otherwise ``INVALID_QUERY_FILTER_OPERATOR``. Results are paged through
query locators (``nextRecordsUrl`` = ``/services/data/vXX.X/query/01g...-2000``); like a real org
a user holds a bounded number of open locators and the oldest is dropped first.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.ids import QUERY_LOCATOR_PREFIX, make_id, normalize_id
from sandbox.salesforce.schema import NUMBER_TYPES, SCHEMA, STRING_TYPES, Field, SObject, sobject
from sandbox.salesforce.soql import Comparison, Junction, Literal, Node, Path, parse
from sandbox.salesforce.store import Record, Store, match_key

FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)
RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
MAX_OFFSET = 2000
DEFAULT_BATCH, MIN_BATCH = 2000, 200
Predicate = Callable[[Record], bool]


@dataclass(frozen=True)
class Column:
    """A resolved field path: a field of the queried object or of one parent."""

    relationship: Field | None
    field: Field

    def value(self, store: Store, rec: Record) -> Any:
        """The column's value for `rec` (None when the parent reference is empty)."""
        if self.relationship is None:
            return rec.get(self.field.name)
        parent = store.get(str(self.relationship.reference_to), rec.get(self.relationship.name),
                           deleted=True)
        return None if parent is None else parent.get(self.field.name)


def resolve(obj: SObject, path: Path) -> Column:
    """Resolve `path` on `obj` (one relationship level), or raise INVALID_FIELD."""
    if len(path.parts) == 1:
        f = obj.field(path.parts[0])
        if f is None:
            raise SfError("INVALID_FIELD", f"No such column '{path.text}' on entity "
                          f"'{obj.name}'. {FIELD_HINT}")
        return Column(None, f)
    ref = obj.relationship(path.parts[0]) if len(path.parts) == 2 else None
    if ref is None:
        raise SfError("INVALID_FIELD", f"Didn't understand relationship '{path.parts[0]}' in "
                      f"field path. {RELATIONSHIP_HINT}")
    target = SCHEMA[str(ref.reference_to)]
    leaf = target.field(path.parts[1])
    if leaf is None:
        raise SfError("INVALID_FIELD", f"No such column '{path.parts[1]}' on entity "
                      f"'{target.name}'. {FIELD_HINT}")
    return Column(ref, leaf)


def _kind(f: Field) -> tuple[str, str]:
    """(literal kind a filter on `f` needs, type name used in the error message)."""
    if f.type in STRING_TYPES:
        return "string", "string"
    if f.type in NUMBER_TYPES:
        return "number", "double"
    return {"boolean": ("boolean", "boolean"), "date": ("date", "date")}.get(
        f.type, ("datetime", "dateTime")
    )


def _operand(f: Field, op: str, lit: Literal) -> Any:
    """Type-check a literal against `f` and return its comparison key."""
    kind, type_name = _kind(f)
    if lit.kind == "null":
        if op in ("=", "!=", "IN", "NOT IN"):
            return None
        raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on null value: {op}")
    if op == "LIKE" and kind != "string":
        raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on {type_name} field")
    if op in ("<", "<=", ">", ">=") and kind == "boolean":
        raise SfError("INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field")
    if lit.kind != kind:
        quoting = "be enclosed" if kind == "string" else "not be enclosed"
        raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"value of filter criterion for field "
                      f"'{f.name}' must be of type {type_name} and should {quoting} in quotes")
    if f.type in ("id", "reference"):
        rid = normalize_id(lit.value)
        if rid is None:
            raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}")
        return rid
    return match_key(f, lit.value)


def _like(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append({"%": ".*", "_": "."}.get(pattern[i], re.escape(pattern[i])))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _test(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)  # SOQL: a null field is "not equal" to a value
    if left is None or right is None:
        return False
    return bool({"<": left < right, "<=": left <= right, ">": left > right,
                 ">=": left >= right}[op])


def _comparison(store: Store, obj: SObject, node: Comparison) -> Predicate:
    column = resolve(obj, node.path)
    f = column.field
    if node.op == "LIKE":
        assert isinstance(node.value, Literal)
        _operand(f, "LIKE", node.value)
        regex = _like(str(node.value.value))
        return lambda rec: (v := column.value(store, rec)) is not None and bool(
            regex.fullmatch(str(v)))
    if node.op in ("IN", "NOT IN"):
        assert isinstance(node.value, tuple)
        keys = {_operand(f, node.op, lit) for lit in node.value}
        negate = node.op == "NOT IN"
        return lambda rec: (match_key(f, column.value(store, rec)) in keys) != negate
    assert isinstance(node.value, Literal)
    right = _operand(f, node.op, node.value)
    return lambda rec: _test(node.op, match_key(f, column.value(store, rec)), right)


def compile_where(store: Store, obj: SObject, node: Node) -> Predicate:
    """A predicate over `obj` records for a WHERE tree (type errors raised now, not per row)."""
    if isinstance(node, Comparison):
        return _comparison(store, obj, node)
    if isinstance(node, Junction):
        parts = [compile_where(store, obj, item) for item in node.items]
        if node.op == "AND":
            return lambda rec: all(p(rec) for p in parts)
        return lambda rec: any(p(rec) for p in parts)
    inner = compile_where(store, obj, node.item)
    return lambda rec: not inner(rec)


def _sort(store: Store, obj: SObject, rows: list[Record], soql_order: Any) -> list[Record]:
    for ordering in reversed(soql_order):
        column = resolve(obj, ordering.path)

        def key(rec: Record, column: Column = column, nulls_first: bool = ordering.nulls_first,
                desc: bool = ordering.descending) -> tuple[int, Any]:
            value = match_key(column.field, column.value(store, rec))
            null_rank = 0 if nulls_first != desc else 1  # reverse=True flips the rank
            return (null_rank, 0) if value is None else (1 - null_rank, value)

        rows.sort(key=key, reverse=ordering.descending)
    return rows


def render(store: Store, obj: SObject, columns: list[Column], rec: Record, version: str) -> Record:
    """A query result row: attributes, then the selected fields, parents nested."""
    row: Record = {"attributes": attributes(obj.name, rec["Id"], version)}
    for column in columns:
        if column.relationship is None:
            row[column.field.name] = rec.get(column.field.name)
            continue
        ref = column.relationship
        name = str(ref.relationship)
        parent = store.get(str(ref.reference_to), rec.get(ref.name), deleted=True)
        if parent is None:
            row[name] = None
            continue
        nested = row.get(name) or {"attributes": attributes(str(ref.reference_to), parent["Id"],
                                                             version)}
        nested[column.field.name] = parent.get(column.field.name)
        row[name] = nested
    return row


def attributes(sobject_name: str, record_id: str, version: str) -> dict[str, str]:
    """The ``attributes`` map every returned record carries."""
    return {"type": sobject_name,
            "url": f"/services/data/v{version}/sobjects/{sobject_name}/{record_id}"}


def execute(store: Store, soql: str, *, include_deleted: bool, version: str) -> list[Record] | int:
    """Run a query: the rendered rows, or the count for ``SELECT COUNT()``."""
    q = parse(soql)
    obj = sobject(q.sobject)
    if obj is None:
        raise SfError("INVALID_TYPE", f"sObject type '{q.sobject}' is not supported. If you are "
                      "attempting to use a custom object, be sure to append the '__c' after the "
                      "entity name. Please reference your WSDL or the describe call for the "
                      "appropriate names.")
    columns = [resolve(obj, p) for p in q.fields]
    predicate = compile_where(store, obj, q.where) if q.where is not None else None
    rows = [r for r in store.rows(obj.name, deleted=include_deleted)
            if predicate is None or predicate(r)]
    rows = _sort(store, obj, rows, q.order_by)
    if q.offset is not None:
        if q.offset > MAX_OFFSET:
            raise SfError("NUMBER_OUTSIDE_VALID_RANGE",
                          f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        rows = rows[q.offset:]
    if q.limit is not None:
        rows = rows[: q.limit]
    if q.count:
        return len(rows)
    return [render(store, obj, columns, r, version) for r in rows]


def batch_size(header: str | None) -> int:
    """The page size asked for by ``Sforce-Query-Options: batchSize=N`` (clamped to 200–2000)."""
    match = re.search(r"batchSize\s*=\s*(\d+)", header or "")
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(match.group(1))))


class Cursors:
    """Open query locators: the remaining rows of each paged result."""

    def __init__(self, max_open: int = 10) -> None:
        """Start with none open.

        Args:
            max_open: locators a user may hold; opening one more drops the oldest (a real org
                allows 10 per user, an assumption for the exact eviction rule).
        """
        self.max_open = max_open
        self._open: OrderedDict[str, list[Record]] = OrderedDict()
        self._sequence = 0

    def first_page(self, result: list[Record] | int, batch: int, version: str) -> Record:
        """The response of ``/query``: one page, with a locator when more rows remain."""
        if isinstance(result, int):
            return {"totalSize": result, "done": True, "records": []}
        if len(result) <= batch:  # one page: no locator is opened (nor an old one evicted)
            return {"totalSize": len(result), "done": True, "records": result}
        self._sequence += 1
        cursor = make_id(QUERY_LOCATOR_PREFIX, self._sequence)
        self._open[cursor] = result
        while len(self._open) > self.max_open:
            self._open.popitem(last=False)
        return self._page(cursor, 0, batch, version)

    def next_page(self, locator: str, batch: int, version: str) -> Record:
        """The response of ``/query/{locator}``."""
        cursor, _, start = locator.rpartition("-")
        if cursor not in self._open or not start.isdigit() or int(start) > len(self._open[cursor]):
            raise SfError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, int(start), batch, version)

    def clear(self) -> None:
        """Forget every locator."""
        self._open.clear()

    def _page(self, cursor: str, start: int, batch: int, version: str) -> Record:
        rows = self._open[cursor]
        end = start + batch
        page: Record = {"totalSize": len(rows), "done": end >= len(rows)}
        if end < len(rows):
            page["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{end}"
        else:
            del self._open[cursor]
        page["records"] = rows[start:end]
        return page
