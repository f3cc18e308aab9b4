"""Change tracking results (pure): a delta's rows split into changed rows and deleted ids.

`Prefer: odata.track-changes` on a table with "Track changes" on answers the whole table, its
last page carrying `@odata.deltaLink`; calling that link later answers the rows created or
changed since, and each deleted row as ``{"@odata.context": ".../$deletedEntity", "id",
"reason": "deleted"}``. A token the platform no longer honours is refused (the emulator: 400
``0x80044352``; the docs only say expired tokens force a full resync) and the table is read again
in full. A table without tracking ignores the preference: no delta link comes back, and the
caller polls `modifiedon` instead (`odata.modified_between`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.dynamics365 import resources


@dataclass(frozen=True)
class ChangePage:
    """What one `changes` call read.

    Attributes:
        records: rows created or changed (all rows, after a full read).
        deleted_ids: GUIDs of rows deleted since the delta link (never after a full read).
        delta_link: the link of the next delta (store it durably, like a watermark); ``None``
            when the table does not track changes.
        full: ``True`` when the whole table was read (the first call, or an expired token):
            rows missing from it were deleted meanwhile.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    delta_link: str | None = None
    full: bool = False

    @property
    def tracked(self) -> bool:
        """Whether the table tracks changes (a delta link came back)."""
        return self.delta_link is not None


def is_deleted(row: dict[str, Any]) -> bool:
    """Whether a delta row is a ``$deletedEntity`` (a deletion, not a row)."""
    context = row.get("@odata.context")
    return isinstance(context, str) and context.endswith(resources.DELETED_ENTITY)


def split_delta(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """(changed rows, deleted ids) of a delta's rows, in order."""
    records: list[dict[str, Any]] = []
    deleted: list[str] = []
    for row in rows:
        if is_deleted(row):
            deleted.append(str(row.get("id", "")).lower())
        else:
            records.append(row)
    return records, deleted
