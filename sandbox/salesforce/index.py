"""Hash indexes of the emulated org's store (REST API v42.0–v62.0).

One index per indexed field (`model.Field.indexed`: external ids, unique and reference fields,
Email, ProductCode, StockKeepingUnit) maps a value's comparison key to the ids of the records
holding it. Keys are the ones every comparison uses (`match_key`): text case-folded, ids in
their canonical 18-character form, so an index look-up answers exactly what a scan would.
Deleted records stay indexed (``queryAll`` sees them); readers filter on ``IsDeleted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.model import Field, SObject

Record = dict[str, Any]


def match_key(f: Field, value: Any) -> Any:
    """The comparison key of a value of `f`: text case-insensitively, ids in 18-char form."""
    if value is None:
        return None
    if f.type in ("id", "reference"):
        return normalize_id(value) or value
    if isinstance(value, str):
        return value.casefold()
    return value


class Indexes:
    """Value → record ids, per indexed field of every object."""

    def __init__(self, schema: Mapping[str, SObject]) -> None:
        """Create empty indexes for the indexed fields of `schema`."""
        self.fields: dict[str, tuple[Field, ...]] = {
            name: tuple(f for f in obj.fields.values() if f.indexed and f.name != "Id")
            for name, obj in schema.items()
        }
        self._buckets: dict[str, dict[str, dict[Any, dict[str, None]]]] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every entry."""
        self._buckets = {name: {f.name: {} for f in fields} for name, fields in self.fields.items()}

    def covers(self, sobject: str, f: Field) -> bool:
        """Whether `f` of `sobject` is indexed (Id always is: it is the table's key)."""
        return f.name == "Id" or f.name in self._buckets[sobject]

    def replace(self, sobject: str, old: Record | None, new: Record | None) -> None:
        """Move a record's entries from its `old` version to its `new` one (None: absent)."""
        rid = (new or old or {}).get("Id")
        if rid is None:
            return
        buckets = self._buckets[sobject]
        for f in self.fields[sobject]:
            before = match_key(f, old.get(f.name)) if old is not None else None
            after = match_key(f, new.get(f.name)) if new is not None else None
            if before == after and (old is None) == (new is None):
                continue
            bucket = buckets[f.name]
            if before is not None:
                ids = bucket.get(before)
                if ids is not None:
                    ids.pop(rid, None)
                    if not ids:
                        del bucket[before]
            if after is not None:
                bucket.setdefault(after, {})[rid] = None

    def ids(self, sobject: str, f: Field, key: Any) -> list[str]:
        """Ids of the records (live or deleted) whose `f` has comparison key `key`."""
        if key is None:
            return []
        ids = self._buckets[sobject][f.name].get(key)
        # Sorted: ids grow with the record sequence, so this is the table's (creation) order.
        return sorted(ids) if ids else []

    def rebuild(self, tables: Mapping[str, Mapping[str, Record]]) -> None:
        """Index every record of `tables` afresh."""
        self.clear()
        for sobject, table in tables.items():
            for rec in table.values():
                self.replace(sobject, None, rec)

    def snapshot(self, sobject: str, names: Iterable[str]) -> dict[str, dict[Any, list[str]]]:
        """The entries of some fields (for tests comparing index and scan)."""
        return {
            name: {k: sorted(v) for k, v in self._buckets[sobject][name].items()} for name in names
        }
