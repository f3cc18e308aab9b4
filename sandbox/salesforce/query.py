"""SOQL evaluation for the emulated org (REST API v42.0–v62.0); paging is in `cursors`.

Semantics follow SOQL: text comparisons and ORDER BY are case-insensitive; ``!=`` and ``NOT IN``
also match nulls; ``<``/``>`` never match nulls; nulls sort first unless ``NULLS LAST``; a filter
value must have the field's type (``'quoted'`` for text and ids, bare for numbers, booleans,
dates, datetimes and date literals such as ``TODAY``), otherwise
``INVALID_QUERY_FILTER_OPERATOR``. ``=``/``IN`` filters on indexed fields of the queried object
pick their candidate rows from the store's indexes (`query_index`); every row is still checked
against the whole WHERE clause, so the answer is the one a scan gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.date_literals import range_test
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.query_index import candidates
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
        parent = store.get(
            str(self.relationship.reference_to), rec.get(self.relationship.name), deleted=True
        )
        return None if parent is None else parent.get(self.field.name)


def resolve(obj: SObject, path: Path) -> Column:
    """Resolve `path` on `obj` (one relationship level), or raise INVALID_FIELD."""
    if len(path.parts) == 1:
        f = obj.field(path.parts[0])
        if f is None:
            raise SfError(
                "INVALID_FIELD",
                f"No such column '{path.text}' on entity '{obj.name}'. {FIELD_HINT}",
            )
        return Column(None, f)
    ref = obj.relationship(path.parts[0]) if len(path.parts) == 2 else None
    if ref is None:
        raise SfError(
            "INVALID_FIELD",
            f"Didn't understand relationship '{path.parts[0]}' in field path. {RELATIONSHIP_HINT}",
        )
    target = SCHEMA[str(ref.reference_to)]
    leaf = target.field(path.parts[1])
    if leaf is None:
        raise SfError(
            "INVALID_FIELD",
            f"No such column '{path.parts[1]}' on entity '{target.name}'. {FIELD_HINT}",
        )
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
    if lit.kind == "relative" and kind in ("date", "datetime"):
        return lit.value  # a range, tested by `date_literals.range_test`
    if lit.kind != kind:
        quoting = "be enclosed" if kind == "string" else "not be enclosed"
        raise SfError(
            "INVALID_QUERY_FILTER_OPERATOR",
            f"value of filter criterion for field "
            f"'{f.name}' must be of type {type_name} and should {quoting} in quotes",
        )
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
    return bool(
        {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    )


def _comparison(store: Store, obj: SObject, node: Comparison) -> Predicate:
    column = resolve(obj, node.path)
    f = column.field
    if node.op == "LIKE":
        assert isinstance(node.value, Literal)
        _operand(f, "LIKE", node.value)
        regex = _like(str(node.value.value))
        return lambda rec: (
            (v := column.value(store, rec)) is not None and bool(regex.fullmatch(str(v)))
        )
    if node.op in ("IN", "NOT IN"):
        assert isinstance(node.value, tuple)
        test = _member_test(store, f, node.value)
        negate = node.op == "NOT IN"
        return lambda rec: test(match_key(f, column.value(store, rec))) != negate
    assert isinstance(node.value, Literal)
    right = _operand(f, node.op, node.value)
    if node.value.kind == "relative":
        in_range = range_test(f, node.op, right, store.clock())
        return lambda rec: in_range(match_key(f, column.value(store, rec)))
    return lambda rec: _test(node.op, match_key(f, column.value(store, rec)), right)


def _member_test(store: Store, f: Field, literals: tuple[Literal, ...]) -> Callable[[Any], bool]:
    """Membership in an ``IN`` list; a date literal in it matches its whole range."""
    keys = {_operand(f, "IN", lit) for lit in literals if lit.kind != "relative"}
    ranges = [
        range_test(f, "=", _operand(f, "IN", lit), store.clock())
        for lit in literals
        if lit.kind == "relative"
    ]
    if not ranges:
        return lambda key: key in keys
    return lambda key: key in keys or any(test(key) for test in ranges)


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

        def key(
            rec: Record,
            column: Column = column,
            nulls_first: bool = ordering.nulls_first,
            desc: bool = ordering.descending,
        ) -> tuple[int, Any]:
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
        nested = row.get(name) or {
            "attributes": attributes(str(ref.reference_to), parent["Id"], version)
        }
        nested[column.field.name] = parent.get(column.field.name)
        row[name] = nested
    return row


def attributes(sobject_name: str, record_id: str, version: str) -> dict[str, str]:
    """The ``attributes`` map every returned record carries."""
    return {
        "type": sobject_name,
        "url": f"/services/data/v{version}/sobjects/{sobject_name}/{record_id}",
    }


def execute(store: Store, soql: str, *, include_deleted: bool, version: str) -> list[Record] | int:
    """Run a query: the rendered rows, or the count for ``SELECT COUNT()``."""
    q = parse(soql)
    obj = sobject(q.sobject)
    if obj is None:
        raise SfError(
            "INVALID_TYPE",
            f"sObject type '{q.sobject}' is not supported. If you are "
            "attempting to use a custom object, be sure to append the '__c' after the "
            "entity name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        )
    columns = [resolve(obj, p) for p in q.fields]
    predicate = compile_where(store, obj, q.where) if q.where is not None else None
    pool = candidates(store, obj, q.where, include_deleted=include_deleted)
    if pool is None:
        pool = list(store.rows(obj.name, deleted=include_deleted))
    rows = [r for r in pool if predicate is None or predicate(r)]
    rows = _sort(store, obj, rows, q.order_by)
    if q.offset is not None:
        if q.offset > MAX_OFFSET:
            raise SfError(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        rows = rows[q.offset :]
    if q.limit is not None:
        rows = rows[: q.limit]
    if q.count:
        return len(rows)
    return [render(store, obj, columns, r, version) for r in rows]
