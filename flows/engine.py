"""The one sync engine: any use case, any (source, target) pair, as plain functions.

    plan ─► read a page ─► decode + admit ─► skip unchanged ─► validate ─► inspect (anomalies)
         ─► load (target hooks)
         ─► record the batch (bindings, dead letters, resolutions: one transaction)
         ─► next page … ─► finish (deferred writes) ─► inbox routes done ─► watermark ─► summary

It streams: a page is read, loaded and recorded before the next one is read, so a backfill of
any size runs in bounded memory. A record is written only when the hash of what would be written
differs from the one bound in xref; it is created (counted "created") only when storebridge never
wrote it to that target before. Bad rows become dead letters naming the record and field; the
batch goes on. A use case may `inspect` each batch before it loads (`flows/anomaly.py`): its
flags go to the run's summary, and records it holds for review become review dead letters instead
of being written. `flows/sync.py` wraps these steps in Prefect tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from connectors.clock import utcnow
from connectors.http.redaction import redact_record
from connectors.records import Failure, Page
from connectors.state import BatchRecord, BindRequest, Observation, Review, StateStore, Window
from flows import registry
from flows.ports import (
    DecodeError,
    Item,
    LoadResult,
    Outcome,
    Source,
    Status,
    Target,
    Tombstone,
    failed,
)
from flows.reports import BatchReport
from flows.usecases import SyncSettings, UseCase
from transforms.canonical import Entity

Mode = Literal["incremental", "window", "ids", "inbox"]


@dataclass
class Plan:
    """What one run reads: a window (incremental or backfill), ids, or claimed inbox routes."""

    use_case: UseCase
    source: str
    target: str
    mode: Mode
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    ids: list[str] = field(default_factory=list)
    window: Window | None = None  # incremental runs commit it after the load
    route_ids: list[int] = field(default_factory=list)

    @property
    def stream(self) -> str:
        return self.use_case.stream(self.source, self.target)

    def describe(self) -> str:
        if self.since is not None and self.until is not None:
            return f"{self.since:%Y-%m-%d %H:%M}–{self.until:%Y-%m-%d %H:%M} UTC"
        return f"{len(self.ids)} id(s)" if self.ids else "nothing to read"

    def run_name(self) -> str:
        """What the run is, for the Prefect UI: use case, pair, mode, and its window or ids,
        e.g. ``order-to-cash shift4shop→salesforce incremental 11-23 06:15–06:30 UTC``."""
        head = f"{self.use_case.name} {self.source}→{self.target} {self.mode}"
        if self.mode == "inbox":
            return f"{head} {len(self.route_ids)} event(s)"
        if self.mode == "ids":
            shown = ", ".join(self.ids[:3])
            more = f" +{len(self.ids) - 3}" if len(self.ids) > 3 else ""
            return f"{head} {shown}{more}"
        if self.since is None or self.until is None:
            return head
        if self.since.date() == self.until.date():
            return f"{head} {self.since:%m-%d %H:%M}–{self.until:%H:%M} UTC"
        if (self.since.hour, self.since.minute, self.until.hour, self.until.minute) == (0,) * 4:
            return f"{head} {self.since:%Y-%m-%d}–{self.until:%Y-%m-%d}"
        return f"{head} {self.since:%Y-%m-%d %H:%M}–{self.until:%Y-%m-%d %H:%M} UTC"


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} needs a time zone (e.g. {value.isoformat()}Z)")
    return value.astimezone(dt.UTC)


def make_plan(
    use_case: UseCase,
    state: StateStore,
    settings: SyncSettings,
    *,
    source: str,
    target: str,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    ids: Sequence[str] | None = None,
    from_inbox: bool = False,
    claimer: str = "",
    now: dt.datetime | None = None,
) -> Plan:
    """Decide what this run reads. Only incremental runs touch the watermark.

    Raises:
        ValueError: a naive datetime, an end before the start, or an end without a start.
    """
    now = now or utcnow()
    if ids:
        return Plan(use_case, source, target, "ids", ids=list(dict.fromkeys(str(i) for i in ids)))
    if from_inbox:
        routes = state.claim_events(
            use_case.name, source, target, claimer, limit=settings.inbox_claim_limit
        )
        found = [r.resource_id for r in routes if r.resource_id]
        return Plan(
            use_case,
            source,
            target,
            "inbox",
            ids=list(dict.fromkeys(found)),
            route_ids=[r.route_id for r in routes],
        )
    lookback = now - use_case.lookback(settings)
    if window_end is not None and window_start is None:
        raise ValueError("window_end needs window_start (a backfill reads a closed window)")
    if window_start is not None:
        since = _aware(window_start, "window_start")
        until = _aware(window_end, "window_end") if window_end else now
        if until <= since:
            raise ValueError(f"window_end {until.isoformat()} is not after {since.isoformat()}")
        return Plan(use_case, source, target, "window", since=since, until=until)
    window = state.window(
        use_case.stream(source, target),
        overlap=dt.timedelta(minutes=settings.overlap_minutes),
        initial=lookback,
        until=now,
    )
    return Plan(
        use_case,
        source,
        target,
        "incremental",
        since=window.since,
        until=window.until,
        window=window,
    )


def read(source: Source[Any], plan: Plan, cursor: Any) -> Page[Any]:
    """One page of the plan's raw records (paged to the end by the connector, or it raises)."""
    if plan.mode in ("ids", "inbox"):
        return source.read_ids(plan.ids, cursor) if plan.ids else Page()
    if plan.window is not None and hasattr(source, "read_tracked"):
        # change tracking (`TrackedSource`): the source reads since its stored delta link and
        # stages the next one for this window; it moves when the window commits
        return source.read_tracked(plan.window, cursor)  # type: ignore[no-any-return]
    assert plan.since is not None
    assert plan.until is not None
    return source.read_changed(plan.since, plan.until, cursor)


@dataclass
class Decoded:
    """A page after decoding and admission: records to load, skips and failures."""

    records: list[Any] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why each skipped record was left out
    read: int = 0


def decode(source: Source[Any], use_case: UseCase, page: Page[Any]) -> Decoded:
    """Decode every raw record; apply the use case's filter (the same on every read path)."""
    out = Decoded(failures=list(page.failures), read=len(page.records) + len(page.failures))
    for raw in page.records:
        try:
            record = source.decode(raw)
        except Tombstone as gone:
            out.skipped.append(str(gone))
            continue
        except (DecodeError, ValueError) as exc:
            payload = (
                raw.model_dump(mode="json", by_alias=True) if hasattr(raw, "model_dump") else raw
            )
            rid = source.external_id(raw)
            entity = use_case.entity.value
            message = (
                str(exc)
                if str(exc).startswith(source.system)
                else (f"{source.system}:{entity}:{rid}: {exc}")
            )
            out.failures.append(
                Failure(source.system, entity, rid, "DecodeError", message, payload)
            )
            continue
        reason = use_case.admit(record)
        if reason is not None:
            out.skipped.append(reason)
            continue
        out.records.append(record)
    return out


def batches(records: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive batches of at most `size` records (at least one record each)."""
    size = max(size, 1)
    for start in range(0, len(records), size):
        yield records[start : start + size]


def prepare(
    target: Target[Any], state: StateStore, records: Sequence[Any]
) -> tuple[list[Item[Any]], list[Outcome]]:
    """Bindings and hashes; unchanged records and those failing the target's rules are done."""
    items: list[Item[Any]] = []
    done: list[Outcome] = []
    by_system: dict[str, list[Any]] = {}
    for r in records:
        by_system.setdefault(r.ref.system, []).append(r)
    for system, group in by_system.items():
        bound = state.lookup_many(
            system,
            target.entity.value,
            [r.ref.id for r in group],
            target.system,
            target.binding_entity,
        )
        for r in group:
            binding = bound.get(r.ref.id)
            try:
                h = target.payload_hash(r)
            except ValueError as exc:  # a mapping cannot shape it (e.g. an unmapped status)
                done.append(failed(r.ref, "MappingError", str(exc), r.model_dump(mode="json")))
                continue
            if binding is not None and binding.payload_hash == h:
                done.append(Outcome(r.ref, Status.UNCHANGED, binding.target_id, h))
                continue
            problem = target.validate(r)
            if problem is not None:
                done.append(failed(Item(r, h, binding), "ValidationError", problem))
                continue
            items.append(Item(r, h, binding))
    return items, done


@dataclass
class Inspection:
    """What a use case's `inspect` hook found in a batch before it loads (`flows/anomaly.py`).

    Attributes:
        held: FAILED outcomes of the records held for review instead of loaded (each failure a
            `connectors.state.Review`: it becomes a review dead letter).
        flags: the anomaly flags as plain dicts (record, rule, score, reasons, held), without
            personal data.
        memory: what to remember of records (by source id) once the target got them.
        keep: how many remembered rows the stream keeps (None: one per record, unbounded).
        accepted: records held earlier that a reviewer accepted (loaded despite their flags).
    """

    held: list[Outcome] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    memory: dict[str, Observation] = field(default_factory=dict)
    keep: int | None = None
    accepted: int = 0


@dataclass
class Memory:
    """Observations of inspected records waiting for their outcome: a target may defer a write
    to a later batch or to `finish`, and only what the target got is remembered."""

    waiting: dict[str, Observation] = field(default_factory=dict)
    keep: int | None = None


def inspect(
    plan: Plan,
    state: StateStore,
    target: Target[Any],
    records: Sequence[Any],
    items: Sequence[Item[Any]],
) -> tuple[list[Item[Any]], Inspection]:
    """The use case's `inspect` hook over a prepared batch: the items still to load, and what
    it found. The hook gets the items to write and every record of the batch (those not among
    the items are unchanged or failed the target's rules)."""
    hook = plan.use_case.inspector
    if hook is None or not records:
        return list(items), Inspection()
    found: Inspection = hook(plan, state, target, items, records)
    held = {o.ref.key for o in found.held}
    return [i for i in items if i.ref.key not in held], found


def settle(
    target: Target[Any], outcomes: Sequence[Outcome]
) -> tuple[list[BindRequest], list[Failure], list[tuple[str, str, str]], list[Outcome]]:
    """Bindings, dead letters and resolutions of finished outcomes."""
    binds: list[BindRequest] = []
    failures: list[Failure] = []
    succeeded: list[tuple[str, str, str]] = []
    final: list[Outcome] = []
    for o in outcomes:
        if o.status is Status.FAILED:
            assert o.failure is not None
            failures.append(o.failure)
            final.append(o)
            continue
        key = o.ref.id
        if o.status in (Status.CREATED, Status.UPDATED) and o.target_id is not None:
            binds.append(
                BindRequest(
                    o.ref.system,
                    target.entity.value,
                    key,
                    target.system,
                    target.binding_entity,
                    o.target_id,
                    o.payload_hash,
                )
            )
        binds += o.binds
        succeeded.append((o.ref.system, o.ref.entity.value, key))
        final.append(o)
    return binds, failures, succeeded, final


def echo_guards(state: StateStore, plan: Plan, outcomes: Sequence[Outcome]) -> list[BindRequest]:
    """Reverse bindings that make our own writes look unchanged when read back.

    For a use case with `echo`, each written record (or its payload, decoded as the target
    system will present it: an Order written to a back office reads back as a fulfilment) is
    hashed as the source system's target of that entity would hash it; the next run the other
    way then sees "unchanged" instead of a change to write back. A
    guard never replaces a binding that says "the other side owns it" (no hash) nor one that
    points at another record.
    """
    entity = plan.use_case.echo
    if entity is None:
        return []
    codec, hasher = _echo_pair(plan.target, plan.source, entity)
    if codec is None or hasher is None:
        return []
    written = [
        o
        for o in outcomes
        if o.status in (Status.CREATED, Status.UPDATED)
        and (o.written or o.echo is not None)
        and o.target_id
    ]
    if not written:
        return []
    existing = state.lookup_many(
        plan.target,
        entity.value,
        [o.target_id or "" for o in written],
        plan.source,
        hasher.binding_entity,
    )
    guards = []
    for o in written:
        assert o.target_id is not None
        old = existing.get(o.target_id)
        if old is not None and (old.payload_hash is None or old.target_id != o.ref.id):
            continue
        echoed = (
            o.echo if o.echo is not None else codec.decode_written(o.written or {}, o.target_id)
        )
        if echoed is None:
            continue
        guards.append(
            BindRequest(
                plan.target,
                entity.value,
                o.target_id,
                plan.source,
                hasher.binding_entity,
                o.ref.id,
                hasher.payload_hash(echoed),
            )
        )
    return guards


def _echo_pair(target: str, source: str, entity: Entity) -> tuple[Any, Any]:
    codec_path = registry.spec(target).codecs.get(entity)
    hasher_path = registry.spec(source).hashers.get(entity)
    if codec_path is None or hasher_path is None:
        return None, None
    return registry.load(codec_path)(), registry.load(hasher_path)()


def masked(failure: Failure) -> Failure:
    """The failure with its record's personal data masked in message and payload, before it
    becomes a dead letter, an event, an artifact row or a printed line (`redact_record`)."""
    message, payload = redact_record(failure.message, failure.payload)
    return replace(failure, message=message, payload=payload)


def record(
    state: StateStore,
    plan: Plan,
    target: Target[Any],
    result: LoadResult,
    extra: Sequence[Outcome],
    failures: Sequence[Failure],
    run_id: str | None,
    inspection: Inspection | None = None,
    memory: Memory | None = None,
) -> BatchReport:
    """Make a batch's outcome durable at once (one transaction) and count it. What the
    inspection (or an earlier one, in `memory`) remembers of records that now loaded is
    written with it."""
    outcomes = [*extra, *result.outcomes]
    binds, dead, succeeded, final = settle(target, outcomes)
    binds += result.binds + echo_guards(state, plan, final)
    dead = [masked(f) for f in (*failures, *dead)]
    memory = memory if memory is not None else Memory()
    if inspection is not None:
        memory.waiting.update(inspection.memory)
        memory.keep = inspection.keep if inspection.keep is not None else memory.keep
    loaded = {key for _, _, key in succeeded}
    finished = loaded | {o.ref.id for o in final if o.status is Status.FAILED}
    remember = [memory.waiting.pop(k) for k in sorted(finished & set(memory.waiting))]
    remember = [o for o in remember if o.external_id in loaded]
    counts = state.record_batch(
        BatchRecord(plan.stream, binds, dead, succeeded, run_id, remember, memory.keep)
    )
    report = BatchReport(
        failures=dead, dead_letter_ids=counts.dead_letter_ids, counters=dict(result.counters)
    )
    for o in final:
        report.add(o.status)
    if inspection is not None:
        reviews = {
            f.record: dl
            for f, dl in zip(dead, counts.dead_letter_ids, strict=False)
            if isinstance(f, Review)
        }
        report.flags = [
            {**flag, "review": reviews.get(flag["record"])} for flag in inspection.flags
        ]
        report.held, report.accepted = len(inspection.held), inspection.accepted
    return report
