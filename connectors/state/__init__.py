"""Durable sync state: the binder (xref), watermarks, the webhook inbox, dead letters (errors and
review items), leases, the pseudonymisation key of personal data used as keys (`meta`), and what
the anomaly checks remember per pair (`anomaly_memory`).

SQLAlchemy 2 on a SQLite file by default, PostgreSQL by URL (``STOREBRIDGE_STATE_URL``); the
schema is managed by Alembic (`StateStore.upgrade`). See `StateStore` for the operations.
"""

from __future__ import annotations

from connectors.state.batch import BatchCounts, BatchRecord
from connectors.state.deadletters import UNSET
from connectors.state.meta import Pseudonymiser, pseudonym
from connectors.state.records import (
    Binding,
    BindRequest,
    DeadLetter,
    DeadLetterConflictError,
    DeadLetterKind,
    DeadLetterNotFoundError,
    DeadLetterStatus,
    InboxEvent,
    InboxStatus,
    Observation,
    Review,
    ReviewDecision,
    RoutedEvent,
    Subscription,
    Window,
)
from connectors.state.schema import head_revision
from connectors.state.settings import StateSettings
from connectors.state.store import StateStore
from connectors.state.xref import unchanged

__all__ = [
    "UNSET",
    "BatchCounts",
    "BatchRecord",
    "BindRequest",
    "Binding",
    "DeadLetter",
    "DeadLetterConflictError",
    "DeadLetterKind",
    "DeadLetterNotFoundError",
    "DeadLetterStatus",
    "InboxEvent",
    "InboxStatus",
    "Observation",
    "Pseudonymiser",
    "Review",
    "ReviewDecision",
    "RoutedEvent",
    "StateSettings",
    "StateStore",
    "Subscription",
    "Window",
    "head_revision",
    "pseudonym",
    "unchanged",
]
