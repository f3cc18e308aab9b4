"""Dead letters, table ``dead_letters``: records that failed to load, kept for fix and replay.

Messages and payloads are redacted here (`connectors.http.redaction.redact_record`), so no caller
can store personal data, card data or secrets in clear by forgetting to: the message still names
the record and the field, the payload keeps the ids, SKUs and values a person needs to act (a
replay re-reads the record from its source by id), and the record's e-mails, phones, names,
companies and street addresses are masked in both. A record has at most one OPEN dead letter per
flow (a partial unique index on both dialects): a second failure updates it and counts the
attempt. A replayed dead letter that fails again is reopened; a later successful load resolves it.

Letters have a `kind` (revision 0007): ``error``, or ``review`` for a record held for a person's
decision instead of loaded (an anomaly, a possible duplicate). `add_review` (or a `Review` in a
recorded batch) parks it with its `findings` and optionally the `other` side to compare it with
(masked like the payload), in table ``dead_letter_reviews``; `decide_review` records the decision
(`ReviewDecision`) that the next load of the record honours (`review_decisions`); loading the
record resolves the letter as any. A held record that then fails to load is an error again (its
letter's error class is no longer the one it was held as).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, chunks, unique
from connectors.state.models import DeadLetterReviewRow, DeadLetterRow, utcnow
from connectors.state.records import (
    DeadLetter,
    DeadLetterConflictError,
    DeadLetterKind,
    DeadLetterNotFoundError,
    DeadLetterStatus,
    ReviewDecision,
)

KEY_COLUMNS = ("flow", "system", "entity", "external_id")
OPEN_ONLY = text("status = 'open'")  # must match the predicate of uq_dead_letters_open
UNRESOLVED = (DeadLetterStatus.OPEN.value, DeadLetterStatus.REPLAYED.value)


class Unset(enum.Enum):
    """Marks an argument that was not given (None is a meaningful payload or note)."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def _plain(payload: Any) -> Any:
    """`payload` as plain JSON (Decimals and datetimes become strings)."""
    return None if payload is None else json.loads(json.dumps(payload, default=str))


def redact_dead_letter(message: str, payload: Any) -> tuple[str, Any]:
    """A dead letter's message and payload as stored: the record's personal data masked in
    both, secrets and card data removed (`redact_record`), the payload plain JSON."""
    # Imported here: the redaction module belongs to connectors.http and loads only when needed.
    from connectors.http.redaction import redact_record

    plain = _plain(payload)
    text, redacted = redact_record(message, plain)
    return text, (None if plain is None else _plain(redacted))


def redact(payload: Any) -> Any:
    """`payload` redacted (`redact_dead_letter`) and reduced to plain JSON."""
    return redact_dead_letter("", payload)[1]


def redact_message(message: str, payload: Any = None) -> str:
    """`message` with the record's personal data (known from `payload`), e-mail addresses,
    phone and card numbers and tokens masked."""
    return redact_dead_letter(message, payload)[0]


REVIEW_FIELDS = ("kind", "findings", "other", "decision")


def _dead_letter(row: DeadLetterRow, review: DeadLetterReviewRow | None = None) -> DeadLetter:
    """The letter of `row`; a review while its error class is the one it was held as."""
    base = {
        f: getattr(row, f)
        for f in DeadLetter.__dataclass_fields__
        if f not in REVIEW_FIELDS and f != "status"
    }
    letter = DeadLetter(**base, status=DeadLetterStatus(row.status))
    if review is None or review.held_as != row.error_class:
        return letter
    return replace(
        letter,
        kind=DeadLetterKind.REVIEW,
        findings=review.findings,
        other=review.other,
        decision=review.decision,
    )


def _with_reviews() -> Any:
    """Letters with their review rows (None for errors)."""
    return select(DeadLetterRow, DeadLetterReviewRow).outerjoin(
        DeadLetterReviewRow, DeadLetterReviewRow.dead_letter_id == DeadLetterRow.id
    )


def _masked_other(other: Any) -> Any:
    """A review's other side as stored: its payload masked like a letter's."""
    if isinstance(other, dict) and "payload" in other:
        return {**_plain(other), "payload": redact(other["payload"])}
    return None if other is None else redact(other)


def _decision(decision: ReviewDecision | str) -> str:
    """A valid decision's text (`ReviewDecision`, or ``link:<target id>``).

    Raises:
        ValueError: not a decision, or a link without the target's id.
    """
    head, _, rest = str(decision).partition(":")
    kind = ReviewDecision(head)
    if (kind is ReviewDecision.LINK) != bool(rest.strip()):
        raise ValueError(f"{decision!r}: a link names the target's record (link:<id>), only it")
    return f"{kind.value}:{rest.strip()}" if rest.strip() else kind.value


class DeadLetterStore(StoreBase):
    """Dead-letter operations of the state store."""

    def add_dead_letter(
        self,
        *,
        flow: str,
        system: str,
        entity: str,
        external_id: str,
        error_class: str,
        message: str,
        payload: Any = None,
        flow_run_id: str | None = None,
    ) -> DeadLetter:
        """Park a record that failed to load, or count one more failure of a parked record.

        Args:
            flow: the use case, e.g. ``order-to-cash``.
            system: system slug of the record's source.
            entity: the record's entity, e.g. ``order``.
            external_id: the record's id in `system`.
            error_class: e.g. ``RecordError``, ``ValidationError``.
            message: what is wrong, naming the record and the field.
            payload: the record as it was to be written; redacted before it is stored.
            flow_run_id: the failing run.

        Returns:
            The open dead letter of the record (``attempts`` counts its failures).
        """
        key = {"flow": flow, "system": system, "entity": entity, "external_id": external_id}
        fields = {"error_class": error_class, "message": message, "payload": payload}
        return self._write(lambda session: self._add_dead_letter(session, key, fields, flow_run_id))

    def add_review(
        self,
        *,
        flow: str,
        system: str,
        entity: str,
        external_id: str,
        error_class: str,
        message: str,
        payload: Any = None,
        findings: Any = None,
        other: Any = None,
        flow_run_id: str | None = None,
    ) -> DeadLetter:
        """Hold a record for review: a dead letter of kind ``review`` (see `add_dead_letter`;
        `findings` and `other` as in `connectors.state.records.Review`)."""
        key = {"flow": flow, "system": system, "entity": entity, "external_id": external_id}
        fields = {"error_class": error_class, "message": message, "payload": payload}
        review = {"findings": findings, "other": other}
        return self._write(
            lambda session: self._add_dead_letter(session, key, fields, flow_run_id, review)
        )

    def _add_dead_letter(
        self,
        session: Session,
        key: dict[str, str],
        fields: dict[str, Any],
        run_id: str | None,
        review: dict[str, Any] | None = None,
    ) -> DeadLetter:
        """Insert (or count one more failure of) the open dead letter of `key`, in `session`;
        with `review` (findings, other), as a review item."""
        now = utcnow()
        # Messages name records and fields; personal data in them is masked like payloads.
        message, payload = redact_dead_letter(fields["message"], fields["payload"])
        stmt = self._insert(DeadLetterRow).values(
            **key,
            error_class=fields["error_class"],
            message=message,
            payload=payload,
            flow_run_id=run_id,
            attempts=1,
            status=DeadLetterStatus.OPEN.value,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            index_where=OPEN_ONLY,
            set_={
                "error_class": stmt.excluded.error_class,
                "message": stmt.excluded.message,
                # A failure reported without a payload keeps the one needed for a replay.
                "payload": func.coalesce(stmt.excluded.payload, DeadLetterRow.payload),
                "flow_run_id": func.coalesce(stmt.excluded.flow_run_id, DeadLetterRow.flow_run_id),
                "attempts": DeadLetterRow.attempts + 1,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        self._reopen_replayed(session, key)
        session.execute(stmt)
        row = session.scalars(
            select(DeadLetterRow).filter_by(**key, status=DeadLetterStatus.OPEN.value)
        ).one()
        if review is None:  # an error (the table of reviews is not read: any revision works)
            return _dead_letter(row)
        held = self._insert(DeadLetterReviewRow).values(
            dead_letter_id=row.id,
            held_as=row.error_class,
            findings=redact(review.get("findings")),  # no personal data; masked if any
            other=_masked_other(review.get("other")),
            updated_at=now,
        )
        session.execute(
            held.on_conflict_do_update(  # a decision already taken stays
                index_elements=["dead_letter_id"],
                set_={
                    "held_as": held.excluded.held_as,
                    "findings": held.excluded.findings,
                    "other": held.excluded.other,
                    "updated_at": held.excluded.updated_at,
                },
            )
        )
        return _dead_letter(row, session.get(DeadLetterReviewRow, row.id, populate_existing=True))

    def _reopen_replayed(self, session: Session, key: dict[str, str]) -> None:
        """Turn the latest REPLAYED dead letter of the record back to OPEN, if none is open."""
        statuses = select(DeadLetterRow.status).filter_by(**key)
        if session.scalar(statuses.where(DeadLetterRow.status == "open").limit(1)):
            return
        replayed = session.scalar(
            select(func.max(DeadLetterRow.id)).filter_by(
                **key, status=DeadLetterStatus.REPLAYED.value
            )
        )
        if replayed is not None:
            self._rowcount(
                session,
                update(DeadLetterRow)
                .where(DeadLetterRow.id == replayed, DeadLetterRow.status == "replayed")
                .values(status=DeadLetterStatus.OPEN.value),
            )

    def list_dead_letters(
        self,
        *,
        status: DeadLetterStatus | str | None = None,
        flow: str | None = None,
        system: str | None = None,
        limit: int = 100,
        offset: int = 0,
        kind: DeadLetterKind | str | None = None,
    ) -> list[DeadLetter]:
        """Dead letters matching the filters, oldest first (stable for paging).

        Raises:
            ValueError: `status` is not a dead-letter status, or `kind` not a kind.
        """
        query = _with_reviews()
        if status is not None:
            query = query.where(DeadLetterRow.status == DeadLetterStatus(status).value)
        if kind is not None:
            held = DeadLetterReviewRow.held_as == DeadLetterRow.error_class
            if DeadLetterKind(kind) is DeadLetterKind.REVIEW:
                query = query.where(held)
            else:
                query = query.where(or_(DeadLetterReviewRow.dead_letter_id.is_(None), ~held))
        if flow is not None:
            query = query.where(DeadLetterRow.flow == flow)
        if system is not None:
            query = query.where(DeadLetterRow.system == system)
        query = query.order_by(DeadLetterRow.id).limit(limit).offset(offset)
        return self._read(
            lambda session: [_dead_letter(row, rev) for row, rev in session.execute(query).all()]
        )

    def get_dead_letter(self, dead_letter_id: int) -> DeadLetter:
        """One dead letter by id.

        Raises:
            DeadLetterNotFoundError: no dead letter has that id (a `KeyError`).
        """
        return self._read(lambda session: self._get(session, dead_letter_id))

    def edit_dead_letter(
        self,
        dead_letter_id: int,
        *,
        payload: Any | Unset = UNSET,
        note: str | Unset | None = UNSET,
    ) -> DeadLetter:
        """Fix a parked record before its replay: replace its payload (redacted again) or note.

        Raises:
            DeadLetterNotFoundError: no dead letter has that id.
        """
        values: dict[str, Any] = {}
        if not isinstance(payload, Unset):
            values["payload"] = redact(payload)
        if not isinstance(note, Unset):
            values["note"] = note
        return self._update(dead_letter_id, values)

    def set_dead_letter_status(
        self, dead_letter_id: int, status: DeadLetterStatus | str, *, note: str | None = None
    ) -> DeadLetter:
        """Move a dead letter to `status` (and replace its note when one is given).

        Raises:
            DeadLetterNotFoundError: no dead letter has that id.
            DeadLetterConflictError: reopening it while its record has another open one.
            ValueError: `status` is not a dead-letter status.
        """
        values: dict[str, Any] = {"status": DeadLetterStatus(status).value}
        if note is not None:
            values["note"] = note
        return self._update(dead_letter_id, values)

    def decide_review(
        self, dead_letter_id: int, decision: ReviewDecision | str, *, note: str | None = None
    ) -> DeadLetter:
        """Record a reviewer's decision on a review letter (the next load of its record
        honours it: `review_decisions`); the status does not change.

        Raises:
            DeadLetterNotFoundError: no dead letter has that id.
            ValueError: not a decision (`ReviewDecision`, ``link:<id>``), or the letter is not
                a review.
        """
        text = _decision(decision)

        def work(session: Session) -> DeadLetter:
            letter = self._get(session, dead_letter_id)
            if letter.kind is not DeadLetterKind.REVIEW:
                raise ValueError(f"dead letter {dead_letter_id} is an error, not a review item")
            now = utcnow()
            session.execute(
                update(DeadLetterReviewRow)
                .where(DeadLetterReviewRow.dead_letter_id == dead_letter_id)
                .values(decision=text, updated_at=now)
            )
            values: dict[str, Any] = {"updated_at": now}
            if note is not None:
                values["note"] = note
            session.execute(
                update(DeadLetterRow).where(DeadLetterRow.id == dead_letter_id).values(**values)
            )
            return self._get(session, dead_letter_id)

        return self._write(work, retry_conflicts=False)

    def review_decisions(
        self, flow: str, system: str, entity: str, external_ids: Iterable[str]
    ) -> dict[str, str]:
        """external id -> decision, of the records whose unresolved (open or replayed) review
        letter of `flow` has one."""
        ids = unique(external_ids)

        def work(session: Session) -> dict[str, str]:
            found: dict[str, str] = {}
            for part in chunks(ids):
                rows = session.execute(
                    select(DeadLetterRow.external_id, DeadLetterReviewRow.decision)
                    .join(
                        DeadLetterReviewRow,
                        DeadLetterReviewRow.dead_letter_id == DeadLetterRow.id,
                    )
                    .where(
                        DeadLetterRow.flow == flow,
                        DeadLetterRow.system == system,
                        DeadLetterRow.entity == entity,
                        DeadLetterRow.external_id.in_(part),
                        DeadLetterRow.status.in_(UNRESOLVED),
                        DeadLetterReviewRow.held_as == DeadLetterRow.error_class,
                        DeadLetterReviewRow.decision.is_not(None),
                    )
                    .order_by(DeadLetterRow.id)
                )
                found.update({external_id: decision for external_id, decision in rows})
            return found

        return self._read(work) if ids else {}

    def mark_resolved(self, dead_letter_id: int, note: str | None = None) -> DeadLetter:
        """Close a dead letter as resolved (see `set_dead_letter_status`)."""
        return self.set_dead_letter_status(dead_letter_id, DeadLetterStatus.RESOLVED, note=note)

    def resolve_open(self, flow: str, system: str, entity: str, external_ids: Iterable[str]) -> int:
        """Resolve the open (or replayed) dead letters of records that have now loaded.

        Returns:
            How many dead letters were resolved.
        """
        ids = unique(external_ids)

        def work(session: Session) -> int:
            return self._resolve_open(session, flow, system, entity, ids)

        return self._write(work) if ids else 0

    def _resolve_open(
        self, session: Session, flow: str, system: str, entity: str, ids: list[str]
    ) -> int:
        resolved = 0
        for part in chunks(ids):
            resolved += self._rowcount(
                session,
                update(DeadLetterRow)
                .filter_by(flow=flow, system=system, entity=entity)
                .where(
                    DeadLetterRow.external_id.in_(part),
                    DeadLetterRow.status.in_(UNRESOLVED),
                )
                .values(status=DeadLetterStatus.RESOLVED.value, updated_at=utcnow()),
            )
        return resolved

    def dead_letter_counts(self, flow: str | None = None) -> dict[str, int]:
        """Number of dead letters per status (every status present, zero included)."""
        query = select(DeadLetterRow.status, func.count()).group_by(DeadLetterRow.status)
        if flow is not None:
            query = query.where(DeadLetterRow.flow == flow)
        counts = dict.fromkeys((status.value for status in DeadLetterStatus), 0)
        rows = self._read(lambda session: session.execute(query).all())
        counts.update({status: count for status, count in rows})
        return counts

    @staticmethod
    def _get(session: Session, dead_letter_id: int) -> DeadLetter:
        found = session.execute(
            _with_reviews()
            .where(DeadLetterRow.id == dead_letter_id)
            .execution_options(populate_existing=True)
        ).first()
        if found is None:
            raise DeadLetterNotFoundError(dead_letter_id)
        return _dead_letter(found[0], found[1])

    def _update(self, dead_letter_id: int, values: dict[str, Any]) -> DeadLetter:
        stmt = (
            update(DeadLetterRow)
            .where(DeadLetterRow.id == dead_letter_id)
            .values(**values, updated_at=utcnow())
        )

        def work(session: Session) -> DeadLetter:
            if not self._rowcount(session, stmt):
                raise DeadLetterNotFoundError(dead_letter_id)
            return self._get(session, dead_letter_id)

        try:
            return self._write(work, retry_conflicts=False)
        except IntegrityError:
            raise DeadLetterConflictError(
                f"dead letter {dead_letter_id} cannot be reopened: its record already has "
                "an open dead letter"
            ) from None
