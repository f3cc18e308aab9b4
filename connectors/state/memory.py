"""What the anomaly checks remember per (use case, pair), table ``anomaly_memory``.

One row per stream and source record: the sellable stock or the prices the target last got
(compared with the next value that passes), or the features of a recent order (the merchant's
normal history, kept to the newest `keep` rows per stream). Values are plain JSON without
personal data (SKUs, quantities, prices, totals, counts, country codes); the keys are source
record ids, as in ``xref``. Rows are written with the batch that loaded their records
(`BatchRecord.memory`), so what is remembered is what the target got.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, chunks, ensure_utc, unique
from connectors.state.models import AnomalyMemoryRow, utcnow
from connectors.state.records import Observation


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _observation(row: AnomalyMemoryRow) -> Observation:
    return Observation(row.external_id, row.value, row.observed_at)


class MemoryStore(StoreBase):
    """Anomaly-memory operations of the state store."""

    def recall(self, stream: str, external_ids: Iterable[str]) -> dict[str, Observation]:
        """What is remembered of these records of `stream` (absent ids: nothing yet)."""
        ids = unique(external_ids)

        def work(session: Session) -> dict[str, Observation]:
            found: dict[str, Observation] = {}
            for part in chunks(ids):
                rows = session.scalars(
                    select(AnomalyMemoryRow).where(
                        AnomalyMemoryRow.stream == stream, AnomalyMemoryRow.external_id.in_(part)
                    )
                )
                found.update({row.external_id: _observation(row) for row in rows})
            return found

        return self._read(work) if ids else {}

    def recent(self, stream: str, limit: int) -> list[Observation]:
        """The newest `limit` rows of `stream` (by `observed_at`), oldest first."""
        query = (
            select(AnomalyMemoryRow)
            .where(AnomalyMemoryRow.stream == stream)
            .order_by(AnomalyMemoryRow.observed_at.desc(), AnomalyMemoryRow.external_id.desc())
            .limit(limit)
        )
        rows = self._read(lambda session: [_observation(r) for r in session.scalars(query)])
        return rows[::-1]

    def remember(
        self, stream: str, observations: Sequence[Observation], *, keep: int | None = None
    ) -> None:
        """Store (or replace) `observations` of `stream`; with `keep`, only the newest `keep`
        rows of the stream stay."""
        if observations:
            self._write(lambda session: self._remember(session, stream, observations, keep))

    def forget(self, stream: str) -> int:
        """Drop everything remembered of `stream`; how many rows."""
        stmt = delete(AnomalyMemoryRow).where(AnomalyMemoryRow.stream == stream)
        return self._write(lambda session: self._rowcount(session, stmt))

    def _remember(
        self,
        session: Session,
        stream: str,
        observations: Sequence[Observation],
        keep: int | None,
    ) -> None:
        now = utcnow()
        latest = {o.external_id: o for o in observations}
        rows = [
            {
                "stream": stream,
                "external_id": key,
                "value": _plain(o.value),
                "observed_at": ensure_utc(o.observed_at, "observed_at"),
                "updated_at": now,
            }
            for key, o in sorted(latest.items())  # a fixed order: no deadlock between batches
        ]
        for part in chunks(rows):
            stmt = self._insert(AnomalyMemoryRow).values(list(part))
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["stream", "external_id"],
                    set_={
                        "value": stmt.excluded.value,
                        "observed_at": stmt.excluded.observed_at,
                        "updated_at": stmt.excluded.updated_at,
                    },
                )
            )
        if keep is None:
            return
        count = session.scalar(
            select(func.count()).select_from(AnomalyMemoryRow).filter_by(stream=stream)
        )
        if (count or 0) <= keep:
            return
        newest = (
            select(AnomalyMemoryRow.external_id)
            .where(AnomalyMemoryRow.stream == stream)
            .order_by(AnomalyMemoryRow.observed_at.desc(), AnomalyMemoryRow.external_id.desc())
            .limit(keep)
        )
        session.execute(
            delete(AnomalyMemoryRow).where(
                AnomalyMemoryRow.stream == stream, AnomalyMemoryRow.external_id.not_in(newest)
            )
        )
