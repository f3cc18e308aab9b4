"""Plain values returned by the state store (never live ORM objects), and its errors.

Every datetime here is timezone-aware UTC, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.records import Failure


class InboxStatus(enum.StrEnum):
    """Life cycle of a received webhook event."""

    PENDING = "pending"  # stored, no run asked for yet (or the run never started)
    DISPATCHED = "dispatched"  # a flow run was requested for it
    PROCESSING = "processing"  # claimed by a run
    DONE = "done"
    FAILED = "failed"


class DeadLetterStatus(enum.StrEnum):
    """Life cycle of a record that could not be loaded."""

    OPEN = "open"  # waiting for a fix or a replay
    REPLAYED = "replayed"  # a replay was started; a new failure reopens it, a success resolves it
    RESOLVED = "resolved"
    IGNORED = "ignored"


class DeadLetterKind(enum.StrEnum):
    """What a dead letter is: a record that failed, or one held for a person's decision."""

    ERROR = "error"
    REVIEW = "review"


class ReviewDecision(enum.StrEnum):
    """What a reviewer decided about a held record (`decide_review`); the next load of the
    record honours it. A link carries the target's id: ``link:<id>``."""

    ACCEPT = "accept"  # load it despite its flags
    CREATE = "create"  # create it although it may duplicate a record of the target
    LINK = "link"  # bind it to the target's record named after the colon


class DeadLetterNotFoundError(KeyError):
    """No dead letter has the requested id."""

    def __init__(self, dead_letter_id: int) -> None:
        super().__init__(f"dead letter {dead_letter_id} not found")
        self.dead_letter_id = dead_letter_id

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better without the quotes.
        return str(self.args[0])


class DeadLetterConflictError(ValueError):
    """Reopening a dead letter would give its record two open dead letters."""


@dataclass(frozen=True, slots=True)
class Binding:
    """One source record bound to one target object (a row of ``xref``)."""

    system: str
    entity: str
    external_id: str
    target_system: str
    target_entity: str
    target_id: str
    payload_hash: str | None
    written_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BindRequest:
    """Arguments of one `bind` call, for `bind_many`."""

    system: str
    entity: str
    external_id: str
    target_system: str
    target_entity: str
    target_id: str
    payload_hash: str | None = None
    written_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """The time range one incremental run reads (records updated from `since` to `until`), UTC.

    `since` already includes the overlap, so boundary records are read twice and deduplicated by
    id; the watermark moves to `until` only through `commit_window`, after the load committed.
    """

    stream: str
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """One received webhook delivery."""

    id: int
    source: str
    delivery_key: str
    topic: str
    resource_id: str | None
    payload: Any
    status: InboxStatus
    attempts: int
    flow_run_id: str | None
    last_error: str | None
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RoutedEvent:
    """One subscriber's view of an inbox event: the event and its route's claim."""

    route_id: int
    event_id: int
    source: str
    topic: str
    resource_id: str | None
    payload: Any
    use_case: str
    target: str
    status: InboxStatus
    attempts: int
    flow_run_id: str | None
    last_error: str | None
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    """A (use case, source, target) with pending routes (what the dispatcher asks runs for)."""

    use_case: str
    source: str
    target: str
    route_ids: tuple[int, ...]
    previous_runs: tuple[str, ...] = ()  # runs these routes were given before (re-dispatch)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record that failed to load, with its (redacted) payload and error."""

    id: int
    flow: str
    system: str
    entity: str
    external_id: str
    error_class: str
    message: str
    payload: Any
    flow_run_id: str | None
    attempts: int
    status: DeadLetterStatus
    note: str | None
    created_at: datetime
    updated_at: datetime
    kind: DeadLetterKind = DeadLetterKind.ERROR
    findings: Any = None  # a review's reasons: plain JSON, no personal data
    other: Any = None  # a review's other side: {"ref": "system:entity:id", "payload": {...}}
    decision: str | None = None  # a review's decision (`ReviewDecision`, `link:<id>`)


@dataclass(frozen=True)
class Review(Failure):
    """A record held for a person's decision instead of loaded: it becomes a dead letter of
    kind ``review`` (one open letter per record and flow, like any dead letter).

    Attributes:
        findings: why it is held, as plain JSON without personal data, e.g. anomaly flags
            ``[{"rule": "order.quantity", "score": 0.9, "reasons": [...]}]`` or a duplicate
            match ``{"rule": "customer.duplicate", "score": 0.83, "agreed": ["email", ...]}``.
        other: the other side of a side-by-side comparison, e.g. the target's customer it may
            duplicate: ``{"ref": "salesforce:customer:003...", "payload": {...}}``; the payload
            is masked as stored (like `payload`), so a console that shows both records in clear
            re-reads them by their refs.
    """

    findings: Any = None
    other: Any = None


@dataclass(frozen=True, slots=True)
class Observation:
    """What the anomaly checks remember of one source record (table ``anomaly_memory``)."""

    external_id: str
    value: Any
    observed_at: datetime
