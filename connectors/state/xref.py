"""The binder (OCA connector vocabulary): source records ⇄ target objects, in table ``xref``.

A source record ``(system, entity, external_id)`` may be bound to several target objects (a store
customer to a Salesforce Account and a Contact), one per ``(target_system, target_entity)``. The
database enforces that with a unique constraint and every write is an ``INSERT ... ON CONFLICT DO
UPDATE``, so two runs binding the same record at once leave one row: the last writer wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, chunks, ensure_utc, to_record, unique
from connectors.state.models import XrefRow, utcnow
from connectors.state.records import Binding, BindRequest

KEY_COLUMNS = ("system", "entity", "external_id", "target_system", "target_entity")


def unchanged(binding: Binding | None, payload_hash: str | None) -> bool:
    """Whether a record is already written as it is now, so a loader can skip it.

    Args:
        binding: the record's binding, or None when it was never written.
        payload_hash: the hash of the payload about to be written.

    Returns:
        True only when both hashes are known and equal.
    """
    return (
        binding is not None
        and payload_hash is not None
        and binding.payload_hash is not None
        and binding.payload_hash == payload_hash
    )


def _binding(row: XrefRow) -> Binding:
    return to_record(Binding, row)


def _values(request: BindRequest) -> dict[str, Any]:
    written_at = request.written_at
    return {
        "system": request.system,
        "entity": request.entity,
        "external_id": request.external_id,
        "target_system": request.target_system,
        "target_entity": request.target_entity,
        "target_id": request.target_id,
        "payload_hash": request.payload_hash,
        "written_at": utcnow() if written_at is None else ensure_utc(written_at, "written_at"),
    }


class XrefStore(StoreBase):
    """Binder operations of the state store."""

    def lookup(
        self, system: str, entity: str, external_id: str, target_system: str, target_entity: str
    ) -> Binding | None:
        """The binding of one source record to one kind of target object (``to_internal``).

        Returns:
            The binding, or None when the record was never written to that target.
        """
        found = self.lookup_many(system, entity, [external_id], target_system, target_entity)
        return found.get(external_id)

    def lookup_many(
        self,
        system: str,
        entity: str,
        external_ids: Iterable[str],
        target_system: str,
        target_entity: str,
    ) -> dict[str, Binding]:
        """Bindings of many source records at once (one query per 500 ids).

        Returns:
            external id → binding, for the ids that are bound; unknown ids are absent.
        """
        ids = unique(external_ids)

        def work(session: Session) -> dict[str, Binding]:
            found: dict[str, Binding] = {}
            for part in chunks(ids):
                rows = session.scalars(
                    select(XrefRow).where(
                        XrefRow.system == system,
                        XrefRow.entity == entity,
                        XrefRow.target_system == target_system,
                        XrefRow.target_entity == target_entity,
                        XrefRow.external_id.in_(part),
                    )
                )
                found.update((row.external_id, _binding(row)) for row in rows)
            return found

        return self._read(work) if ids else {}

    def bind(
        self,
        system: str,
        entity: str,
        external_id: str,
        target_system: str,
        target_entity: str,
        target_id: str,
        payload_hash: str | None = None,
        written_at: datetime | None = None,
    ) -> Binding:
        """Record that a source record is written as `target_id` (insert or update, race-safe).

        Args:
            payload_hash: hash of the payload just written (see `unchanged`).
            written_at: when it was written (aware); now when omitted.

        Returns:
            The binding as stored after this write.
        """
        request = BindRequest(
            system,
            entity,
            external_id,
            target_system,
            target_entity,
            target_id,
            payload_hash,
            written_at,
        )
        values = _values(request)

        def work(session: Session) -> Binding:
            self._upsert(session, [values])
            row = session.scalars(
                select(XrefRow).filter_by(**{key: values[key] for key in KEY_COLUMNS})
            ).one()
            return _binding(row)

        return self._write(work)

    def bind_many(self, requests: Sequence[BindRequest]) -> int:
        """Bind many records in one transaction (same semantics as `bind`).

        When one batch binds the same record twice, the later request wins.

        Returns:
            The number of distinct bindings written.
        """
        latest: dict[tuple[str, ...], dict[str, Any]] = {}
        for request in requests:
            values = _values(request)
            latest[tuple(values[key] for key in KEY_COLUMNS)] = values
        # A fixed order keeps two concurrent batches from deadlocking on PostgreSQL.
        rows = [latest[key] for key in sorted(latest)]

        def work(session: Session) -> int:
            for part in chunks(rows):
                self._upsert(session, part)
            return len(rows)

        return self._write(work) if rows else 0

    def reverse(self, target_system: str, target_entity: str, target_id: str) -> list[Binding]:
        """Source records bound to one target object (``to_external``)."""

        def work(session: Session) -> list[Binding]:
            rows = session.scalars(
                select(XrefRow)
                .where(
                    XrefRow.target_system == target_system,
                    XrefRow.target_entity == target_entity,
                    XrefRow.target_id == target_id,
                )
                .order_by(XrefRow.system, XrefRow.entity, XrefRow.external_id)
            )
            return [_binding(row) for row in rows]

        return self._read(work)

    @staticmethod
    def unchanged(binding: Binding | None, payload_hash: str | None) -> bool:
        """Same as the module function `unchanged`."""
        return unchanged(binding, payload_hash)

    def _upsert(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        stmt = self._insert(XrefRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={
                "target_id": stmt.excluded.target_id,
                "payload_hash": stmt.excluded.payload_hash,
                "written_at": stmt.excluded.written_at,
            },
        )
        session.execute(stmt, list(rows))
