"""What a system adapter offers the engine: sources and targets, generic over the entity.

A system plays *roles* per entity: the source of orders (`Source[Order]`), the target of
customers (`Target[Customer]`), ... Each role is a small class in `flows/systems/<system>/`
over its connector and codec, declared in the system's `SystemSpec` (`flows/registry.py`). The
engine (`flows/engine.py`) only ever talks to these protocols.

* A `Source` reads pages (changed in a window, or by id), decodes raw records into canonical
  ones (a `DecodeError` names the record and field) and tells the record's id.
* A `Target` knows the hash of what it would write (unchanged records cost nothing), the rules a
  record must pass before any write (`validate`), and loads batches idempotently. It may defer
  writes to pack calls across batches: `load` returns the outcomes of every record that finished,
  `finish` those still pending. Outcomes carry the bindings to record, so the engine writes them
  (with the batch's dead letters) in one state-store transaction per batch.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from connectors.records import Failure, Page
from connectors.state import Binding, BindRequest, Window
from transforms.canonical import Canonical, Entity, ExternalRef

E = TypeVar("E", bound=Canonical)
E_co = TypeVar("E_co", bound=Canonical, covariant=True)
E_contra = TypeVar("E_contra", bound=Canonical, contravariant=True)


class DecodeError(ValueError):
    """A raw record that does not make a valid canonical record; the message names the field."""


class Tombstone(Exception):
    """A raw record the source reports deleted: counted as skipped with its reason, never
    turned into a delete elsewhere (deletes only from explicit tombstones, and only where a
    use case says what a delete means; reliability bar #15)."""


class Status(enum.StrEnum):
    """What happened to one record in a run."""

    CREATED = "created"  # first written to this target by storebridge (no binding before)
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the target already holds what we would write: no call
    SKIPPED = "skipped"  # filtered out by the use case (e.g. an abandoned checkout)
    FAILED = "failed"


@dataclass(frozen=True)
class Item(Generic[E]):
    """A record to load: its canonical form, the hash of what would be written, its binding."""

    record: E
    payload_hash: str
    binding: Binding | None

    @property
    def ref(self) -> ExternalRef:
        return self.record.ref  # type: ignore[attr-defined, no-any-return]

    @property
    def creating(self) -> bool:
        """True when storebridge never wrote this record to the target."""
        return self.binding is None


@dataclass(frozen=True)
class Outcome:
    """The result of one record: its status, where it now lives, and what to record."""

    ref: ExternalRef
    status: Status
    target_id: str | None = None
    payload_hash: str | None = None
    failure: Failure | None = None
    binds: tuple[BindRequest, ...] = ()  # extra bindings (parts, echo guards)
    written: dict[str, Any] | None = None  # the payload written (echo suppression decodes it)
    echo: Any = None  # or the record itself, when it is what the other side will show

    @property
    def ok(self) -> bool:
        return self.status in (Status.CREATED, Status.UPDATED, Status.UNCHANGED)


@dataclass
class LoadResult:
    """Outcomes of a load call, plus bindings of dependencies resolved on the way."""

    outcomes: list[Outcome] = field(default_factory=list)
    binds: list[BindRequest] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def merge(self, other: LoadResult) -> LoadResult:
        self.outcomes += other.outcomes
        self.binds += other.binds
        for key, value in other.counters.items():
            self.counters[key] = self.counters.get(key, 0) + value
        return self


class Source(Protocol[E_co]):
    """A system that can be read for records of one entity."""

    system: str
    entity: Entity

    def read_changed(self, since: dt.datetime, until: dt.datetime, cursor: Any) -> Page[Any]:
        """One page of raw records changed in [since, until] (aware); `cursor` None = first."""
        ...

    def read_ids(self, ids: Sequence[str], cursor: Any) -> Page[Any]:
        """One page of raw records by id; unknown ids come back as `NotFoundError` failures."""
        ...

    def decode(self, raw: Any) -> E_co:
        """A raw record as a canonical one; raises `DecodeError` naming the record and field."""
        ...

    def external_id(self, raw: Any) -> str:
        """The system's id of a raw record."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class TrackedSource(Source[E_co], Protocol[E_co]):
    """An optional hook of a source that reads a change feed (Dataverse change tracking):
    incremental runs call `read_tracked` with their window instead of `read_changed`. The
    source reads since the delta link stored for the window's stream and stages the next one
    with `StateStore.set_delta_link(..., window=window)`; committing the window's watermark
    (after every batch loaded) moves the link with it, in one transaction. Windows of
    backfills and replays still go through `read_changed`."""

    def read_tracked(self, window: Window, cursor: Any) -> Page[Any]:
        """One page of raw records changed since the stored delta link (`cursor` None = first)."""
        ...


class Target(Protocol[E_contra]):
    """A system that can be written records of one entity, idempotently."""

    system: str
    entity: Entity
    binding_entity: str  # the target object the record is bound to in xref, e.g. "Order"

    def payload_hash(self, record: E_contra) -> str:
        """Hash of what a write would send (changes when the record or the mapping does)."""
        ...

    def validate(self, record: E_contra) -> str | None:
        """Why the target would refuse the record (checked before any write), or None."""
        ...

    def load(self, items: Sequence[Item[Any]]) -> LoadResult:
        """Write a batch; failed records are outcomes, never exceptions (but auth/config are)."""
        ...

    def finish(self) -> LoadResult:
        """Write what `load` deferred to pack calls; outcomes of those records."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class Codec(Protocol[E_co]):
    """The pure half of a source: decode what this system holds, without any I/O.

    `decode_written` turns a payload this system was just sent into the canonical record the
    system will present when it is read back, so a write can be recognised as our own echo.
    """

    def decode_written(self, payload: dict[str, Any], target_id: str) -> E_co | None:
        """The canonical record a read of this just-written payload will give (None: unknown)."""
        ...


def not_found(system: str, entity: Entity, ids: Sequence[str]) -> list[Failure]:
    """A `NotFoundError` failure per id the source does not know."""
    return [
        Failure(system, entity.value, i, "NotFoundError", f"{system}:{entity.value}:{i}: not found")
        for i in ids
    ]


def failed(
    item_or_ref: Item[Any] | ExternalRef, error_class: str, message: str, payload: Any = None
) -> Outcome:
    """A FAILED outcome (and its dead letter) for a record; the message gets the record prefix."""
    ref = item_or_ref.ref if isinstance(item_or_ref, Item) else item_or_ref
    if payload is None and isinstance(item_or_ref, Item):
        payload = item_or_ref.record.model_dump(mode="json")
    text = message if message.startswith(ref.key) else f"{ref.key}: {message}"
    failure = Failure(ref.system, ref.entity.value, ref.id, error_class, text, payload)
    return Outcome(ref, Status.FAILED, failure=failure)


def written(
    item: Item[Any],
    target_id: str,
    payload: dict[str, Any] | None = None,
    binds: Sequence[BindRequest] = (),
    echo: Any = None,
) -> Outcome:
    """The outcome of a record now in the target: CREATED when storebridge never wrote it
    there before (whatever the target answered: a retried create reads as an update), else
    UPDATED."""
    status = Status.CREATED if item.creating else Status.UPDATED
    return Outcome(
        item.ref, status, target_id, item.payload_hash, None, tuple(binds), payload, echo
    )


def already_there(item: Item[Any], target: Target[Any], target_id: str) -> Outcome:
    """UNCHANGED at no write: the target already holds what would be sent. The record is bound
    (with its hash) to `target_id`, so later runs skip it before loading."""
    ref = item.ref
    bind = BindRequest(
        ref.system,
        target.entity.value,
        ref.id,
        target.system,
        target.binding_entity,
        target_id,
        item.payload_hash,
    )
    return Outcome(ref, Status.UNCHANGED, target_id, item.payload_hash, binds=(bind,))


def page_of(
    records: Sequence[Any],
    failures: Sequence[Failure] = (),
    *,
    next: Any = None,
    total: int | None = None,
) -> Page[Any]:
    """A `Page` (helper for adapters)."""
    return Page(list(records), list(failures), next, total)


@dataclass(frozen=True)
class Context:
    """What an adapter is built with: the state store, the other system of the pair, the use
    case (adapters read their own connection settings from the environment)."""

    state: Any  # connectors.state.StateStore (Any: adapters of pure codecs need none)
    peer: str
    use_case: str
