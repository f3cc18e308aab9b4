"""The emulated environment's rows, row versions, change log and changeset journal.

Rows are plain dicts keyed by logical column names as the Web API renders them: a lookup is
stored as ``_<column>_value`` (the GUID) plus ``_<column>_value@Microsoft.Dynamics.CRM.
lookuplogicalname`` (its target table, rendered only when annotations are asked for).
``versionnumber`` is one database-wide counter (SQL rowversion), ``createdon``/``modifiedon`` the
business clock (`connectors.clock.utcnow`, injectable as `clock`) in whole seconds, as Dataverse
returns them. Every write appends ``(version, entity_set, id, deleted)`` to the change log that
change tracking reads. `begin`/`rollback`/`commit` journal writes so a `$batch` changeset is
atomic.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from connectors.clock import utcnow
from sandbox.dynamics365.schema import TABLES

Row = dict[str, Any]
ANNOTATION = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def stamp(moment: dt.datetime) -> str:
    """A Dataverse ``DateTimeOffset`` as returned by the Web API (UTC, whole seconds)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_NAMESPACE = uuid.UUID("8c1f3c52-0d36-5000-9a55-5b0c0e3b1d65")


def new_guid(entity_set: str, version: int) -> str:
    """A lowercase GUID, deterministic per (table, row version): same seed, same ids."""
    return str(uuid.uuid5(_NAMESPACE, f"{entity_set}:{version}"))


class Store:
    """Tables of rows (entity set -> id -> row) with versions and a change log."""

    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.clock = clock
        self.tables: dict[str, dict[str, Row]] = {name: {} for name in TABLES}
        self.version = 1000
        self.changes: list[tuple[int, str, str, bool]] = []
        self.tracking: dict[str, bool] = {name: True for name in TABLES}
        self.autonumber = 1000
        # per table: delta tokens below this version are expired (`expire_delta_tokens`)
        self.delta_floor: dict[str, int] = {}
        self._journal: list[tuple[str, str, Row | None]] | None = None
        self._journal_mark: tuple[int, int, int] = (0, 0, 0)

    # --- reads ----------------------------------------------------------------------------------
    def get(self, entity_set: str, row_id: str) -> Row | None:
        """The row `row_id` of `entity_set` (GUIDs compare lowercase)."""
        return self.tables[entity_set].get(row_id.lower())

    def rows(self, entity_set: str) -> list[Row]:
        """Every row of `entity_set`, by primary key."""
        return [self.tables[entity_set][k] for k in sorted(self.tables[entity_set])]

    def find(self, entity_set: str, column: str, value: Any) -> list[Row]:
        """Rows whose `column` equals `value` (strings case-insensitively, as SQL collation)."""
        want = value.lower() if isinstance(value, str) else value
        out = []
        for row in self.tables[entity_set].values():
            have = row.get(column)
            if (have.lower() if isinstance(have, str) else have) == want:
                out.append(row)
        return out

    # --- writes ---------------------------------------------------------------------------------
    def _next_version(self) -> int:
        self.version += 1
        return self.version

    def insert(self, entity_set: str, row: Row) -> Row:
        """Add `row` (its primary key set or generated), stamped and versioned."""
        table = TABLES[entity_set]
        version = self._next_version()
        row_id = str(row.get(table.key) or new_guid(entity_set, version)).lower()
        now = stamp(self.clock())
        row = {**row, table.key: row_id, "createdon": now, "modifiedon": now}
        row["versionnumber"] = version
        self._remember(entity_set, row_id, None)
        self.tables[entity_set][row_id] = row
        self.changes.append((row["versionnumber"], entity_set, row_id, False))
        return row

    def update(self, entity_set: str, row_id: str, fields: Row) -> Row:
        """Apply `fields` to an existing row (stamps and version move even when nothing did)."""
        old = self.tables[entity_set][row_id]
        self._remember(entity_set, row_id, old)
        row = {**old, **fields, "modifiedon": stamp(self.clock())}
        row["versionnumber"] = self._next_version()
        self.tables[entity_set][row_id] = row
        self.changes.append((row["versionnumber"], entity_set, row_id, False))
        return row

    def replace(self, entity_set: str, row: Row) -> None:
        """Overwrite a row without a new version (a copy the platform keeps, not a change)."""
        row_id = row[TABLES[entity_set].key]
        self._remember(entity_set, row_id, self.tables[entity_set].get(row_id))
        self.tables[entity_set][row_id] = row

    def delete(self, entity_set: str, row_id: str) -> None:
        """Remove a row; change tracking reports it as ``$deletedEntity``."""
        old = self.tables[entity_set].pop(row_id)
        self._remember(entity_set, row_id, old)
        self.changes.append((self._next_version(), entity_set, row_id, True))

    def next_autonumber(self) -> int:
        """The next value of an autonumber column (order numbers)."""
        self.autonumber += 1
        return self.autonumber

    # --- changeset journal ----------------------------------------------------------------------
    def _remember(self, entity_set: str, row_id: str, old: Row | None) -> None:
        if self._journal is not None:
            self._journal.append((entity_set, row_id, old))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the block as one transaction: any exception undoes its writes, then re-raises."""
        if self._journal is not None:  # nested: the outer transaction decides
            yield
            return
        self._journal = []
        self._journal_mark = (self.version, len(self.changes), self.autonumber)
        try:
            yield
        except BaseException:
            self._undo()
            raise
        finally:
            self._journal = None

    def _undo(self) -> None:
        assert self._journal is not None
        for entity_set, row_id, old in reversed(self._journal):
            if old is None:
                self.tables[entity_set].pop(row_id, None)
            else:
                self.tables[entity_set][row_id] = old
        self.version, n_changes, self.autonumber = self._journal_mark
        del self.changes[n_changes:]

    # --- persistence ----------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """JSON-ready state (Decimals are written as strings by the runner's `default=str`)."""
        return {
            "tables": self.tables,
            "version": self.version,
            "changes": self.changes,
            "tracking": self.tracking,
            "autonumber": self.autonumber,
            "delta_floor": self.delta_floor,
        }

    def load(self, data: dict[str, Any], revive: Callable[[str, Row], Row]) -> None:
        """Restore a `dump`; `revive` turns JSON values back into typed ones (Decimals)."""
        self.tables = {name: {} for name in TABLES}
        for name, rows in data["tables"].items():
            self.tables[name] = {k: revive(name, r) for k, r in rows.items()}
        self.version = int(data["version"])
        self.changes = [(int(v), s, i, bool(d)) for v, s, i, d in data["changes"]]
        self.tracking = {**self.tracking, **data.get("tracking", {})}
        self.autonumber = int(data.get("autonumber", self.autonumber))
        self.delta_floor = {k: int(v) for k, v in data.get("delta_floor", {}).items()}
