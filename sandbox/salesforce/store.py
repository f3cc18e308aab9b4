"""The emulated org's records (REST API v42.0–v62.0) with undo-log transactions and hash indexes.

Records are plain dicts keyed by canonical field name, one table per sObject; deleted records stay
in the table with ``IsDeleted = true`` (the recycle bin, visible to ``queryAll``) until purged
(hard delete). Writers never mutate a stored dict in place: `put` swaps in a new dict and logs the
old one, so `atomic` can roll a DML operation (or a whole ``allOrNone`` collection) back. Like a
real org, ids and auto-numbers consumed by a rolled-back write are not reused.

Every change goes through `_swap`, which keeps the field indexes (`index.Indexes`) in step, so
exact look-ups (`find`, uniqueness, relationship-by-external-id, SOQL ``=``/``IN``) need no scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.salesforce.ids import KEY_PREFIXES, make_id, normalize_id, object_of
from sandbox.salesforce.index import Indexes, Record, match_key
from sandbox.salesforce.schema import SCHEMA, Field
from sandbox.salesforce.values import now_stamp

__all__ = ["Record", "Store", "match_key"]


class Store:
    """All records of the org, plus the id sequence and auto-number counters."""

    def __init__(self, clock: Callable[[], str] = now_stamp) -> None:
        """Start empty.

        Args:
            clock: returns the current time in the API's datetime format (by default the
                business clock, `connectors.clock.utcnow`).
        """
        self.clock = clock
        self.tables: dict[str, dict[str, Record]] = {name: {} for name in SCHEMA}
        self.indexes = Indexes(SCHEMA)
        # Off: every look-up scans (tests compare both; results must not differ).
        self.use_indexes = True
        self.sequence = 0
        self.autonumbers: dict[str, int] = {}
        self._undo: list[tuple[str, str, Record | None]] | None = None

    # --- ids and counters ---------------------------------------------------------------------
    def allocate_id(self, sobject: str) -> str:
        """A fresh 18-character id for a new `sobject` record."""
        self.sequence += 1
        return make_id(KEY_PREFIXES[sobject], self.sequence)

    def next_autonumber(self, key: str, start: int) -> int:
        """The next value of the auto-number `key` (first value `start`)."""
        value = self.autonumbers.get(key, start - 1) + 1
        self.autonumbers[key] = value
        return value

    # --- reads ----------------------------------------------------------------------------------
    def get(self, sobject: str, record_id: str | None, *, deleted: bool = False) -> Record | None:
        """The record `record_id` of `sobject` (15/18 chars, any case), or None.

        Args:
            sobject: the object name.
            record_id: the id.
            deleted: also return a record in the recycle bin.
        """
        rid = normalize_id(record_id)
        rec = self.tables[sobject].get(rid) if rid else None
        if rec is None or (rec["IsDeleted"] and not deleted):
            return None
        return rec

    def locate(self, record_id: str) -> tuple[str, Record] | None:
        """The object and live record of any id, found by its key prefix."""
        rid = normalize_id(record_id)
        sobject = object_of(rid) if rid else None
        rec = self.get(sobject, rid) if sobject else None
        return (sobject, rec) if sobject and rec else None

    def rows(self, sobject: str, *, deleted: bool = False) -> Iterator[Record]:
        """Records of `sobject` in creation order (with `deleted`, the recycle bin too)."""
        for rec in self.tables[sobject].values():
            if deleted or not rec["IsDeleted"]:
                yield rec

    def indexed(self, sobject: str, f: Field) -> bool:
        """Whether look-ups on `f` are answered from an index."""
        return self.use_indexes and self.indexes.covers(sobject, f)

    def matching(self, sobject: str, f: Field, key: Any, *, deleted: bool = False) -> list[Record]:
        """Records whose `f` has comparison key `key` (an indexed field), in creation order."""
        table = self.tables[sobject]
        if f.name == "Id":
            found = [table[key]] if key in table else []
        else:
            found = [table[rid] for rid in self.indexes.ids(sobject, f, key)]
        return [rec for rec in found if deleted or not rec["IsDeleted"]]

    def find(self, sobject: str, f: Field, value: Any) -> list[Record]:
        """Live records whose field `f` matches `value` (text case-insensitively)."""
        key = match_key(f, value)
        if key is None:
            return []
        if self.indexed(sobject, f):
            return self.matching(sobject, f, key)
        return [rec for rec in self.rows(sobject) if match_key(f, rec.get(f.name)) == key]

    # --- writes ---------------------------------------------------------------------------------
    def put(self, sobject: str, rec: Record) -> None:
        """Store `rec` (a new dict) under its Id, logging the previous version for rollback."""
        previous = self.tables[sobject].get(rec["Id"])
        if self._undo is not None:
            self._undo.append((sobject, rec["Id"], previous))
        self._swap(sobject, rec["Id"], previous, rec)

    def purge(self, sobject: str, record_id: str) -> None:
        """Remove a record for good (hard delete: not even ``queryAll`` sees it)."""
        previous = self.tables[sobject].get(record_id)
        if previous is None:
            return
        if self._undo is not None:
            self._undo.append((sobject, record_id, previous))
        self._swap(sobject, record_id, previous, None)

    def touch(self, sobject: str, rec: Record, **changes: Any) -> Record:
        """Store a copy of `rec` with `changes` and fresh modification stamps; return it."""
        moment = self.clock()
        new = {**rec, **changes, "LastModifiedDate": moment, "SystemModstamp": moment}
        self.put(sobject, new)
        return new

    def _swap(self, sobject: str, rid: str, old: Record | None, new: Record | None) -> None:
        table = self.tables[sobject]
        if new is None:
            table.pop(rid, None)
        elif old is None and table and rid < next(reversed(table)):
            # A purged record restored by a rollback: keep the table in creation (id) order.
            table[rid] = new
            self.tables[sobject] = dict(sorted(table.items()))
        else:
            table[rid] = new
        self.indexes.replace(sobject, old, new)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Undo every `put` made inside the block if it raises (nestable: a savepoint)."""
        outer = self._undo is None
        if self._undo is None:
            self._undo = []
        mark = len(self._undo)
        try:
            yield
        except BaseException:
            self._rollback_to(mark)
            raise
        finally:
            if outer:
                self._undo = None

    def _rollback_to(self, mark: int) -> None:
        assert self._undo is not None
        while len(self._undo) > mark:
            sobject, rid, previous = self._undo.pop()
            self._swap(sobject, rid, self.tables[sobject].get(rid), previous)

    # --- persistence ----------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot."""
        return {
            "sequence": self.sequence,
            "autonumbers": dict(self.autonumbers),
            "tables": {name: list(table.values()) for name, table in self.tables.items()},
        }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot from `dump` (indexes rebuilt)."""
        self.sequence = int(data["sequence"])
        self.autonumbers = {k: int(v) for k, v in data.get("autonumbers", {}).items()}
        self.tables = {name: {} for name in SCHEMA}
        for name, rows in data["tables"].items():
            if name in self.tables:
                self.tables[name] = {rec["Id"]: dict(rec) for rec in rows}
        self.indexes.rebuild(self.tables)
