"""Leases in table ``leases``: at most one holder per name, until the lease expires.

`acquire` takes a free or expired lease (or renews one its holder already has) in one atomic
statement, so two runs racing for it cannot both win; `renew` extends it while the holder works;
`release` frees it. A holder that dies without releasing (killed with -9) loses the lease when
its time to live runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, ensure_utc
from connectors.state.models import LeaseRow, utcnow


@dataclass(frozen=True)
class Lease:
    """A lease as stored."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


class LeaseStore(StoreBase):
    """Lease operations of the state store."""

    def acquire_lease(
        self, name: str, holder: str, ttl: timedelta, *, now: datetime | None = None
    ) -> bool:
        """Take the lease `name` for `holder` until now + `ttl`; False when another holder has
        it and it has not expired. Taking a lease one already holds renews it."""
        now = utcnow() if now is None else ensure_utc(now, "now")
        expires = now + ttl

        def work(session: Session) -> bool:
            stmt = self._insert(LeaseRow).values(
                name=name, holder=holder, acquired_at=now, expires_at=expires
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={
                    "holder": stmt.excluded.holder,
                    "acquired_at": stmt.excluded.acquired_at,
                    "expires_at": stmt.excluded.expires_at,
                },
                where=or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now),
            )
            session.execute(stmt)
            owner = session.scalar(select(LeaseRow.holder).where(LeaseRow.name == name))
            return owner == holder

        return self._write(work)

    def renew_lease(
        self, name: str, holder: str, ttl: timedelta, *, now: datetime | None = None
    ) -> bool:
        """Extend a lease `holder` still has; False when it lost it (expired and taken)."""
        now = utcnow() if now is None else ensure_utc(now, "now")
        stmt = (
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=now + ttl)
        )
        return self._write(lambda session: self._rowcount(session, stmt) == 1)

    def release_lease(self, name: str, holder: str) -> bool:
        """Free the lease if `holder` has it; True when it did."""
        stmt = delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
        return self._write(lambda session: self._rowcount(session, stmt) == 1)

    def lease(self, name: str) -> Lease | None:
        """The lease `name` as stored (expired or not), or None."""

        def work(session: Session) -> Lease | None:
            row = session.get(LeaseRow, name)
            if row is None:
                return None
            return Lease(row.name, row.holder, row.acquired_at, row.expires_at)

        return self._read(work)
