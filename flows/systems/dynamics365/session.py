"""One Dynamics 365 run: the client, its look-ups, the `$batch` packer, and change capture.

Targets of every entity share one shape: they turn records into `Unit`s (one atomic changeset,
or requests that stand alone), hand them to the session, and get each unit's `BatchResult`s
back through its handlers when the `$batch` call that carried it returns. Units are packed in
the order they were queued into calls of up to the platform maximum (1,000 requests), across the
batches of a run (`pump`; `pump(force=True)` at the end), so a customer's changeset always
travels before (or in the same call as) the orders that bind it. A record is finished when its
last unit answered (`Tracker`); then its `Outcome` is ready for the engine.

Every write is an upsert by alternate key (`PATCH <set>(storebridge_id='...')`), so a unit sent
twice (a retried call, an answer lost after the write applied) updates what the first one wrote
and never creates a second row. A unit answered 429 or 5xx is queued again (`UNIT_ATTEMPTS`).

Sources read the way back through `ChangeReader`: change tracking with the delta link kept in
the state store (staged for the run's window, moved when its watermark commits), and
`modifiedon` polling when a table has tracking off (its tracked read hands out no delta link).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.state import Window
from flows.ports import Item, Outcome, failed, written

D365 = "dynamics365"
BATCH_MAX = 1000  # requests per $batch (platform maximum)
MAX_PENDING = 4_000  # requests held to pack calls; beyond it partly filled calls are sent
UNIT_ATTEMPTS = 3  # a unit answered 429/5xx is sent this many times in all
POLLING = "modifiedon"  # the delta-link marker of a table whose tracking is off


def quoted(value: str) -> str:
    """An OData string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def by_alt(entity_set: str, sb_id: str) -> str:
    """`salesorders(storebridge_id='shift4shop.order.1001')`: an upsert by alternate key."""
    return f"{entity_set}(storebridge_id={quoted(sb_id)})"


def by_id(entity_set: str, guid: str) -> str:
    return f"{entity_set}({guid})"


Handler = Callable[["Unit", list[Any]], None]


@dataclass
class Unit:
    """Requests sent together (`atomic`: one changeset, all or nothing), answered together."""

    key: Hashable
    requests: list[Any]  # connectors.dynamics365.BatchRequest
    handlers: list[Handler]
    atomic: bool = True
    attempts: int = 0


def retryable(result: Any) -> bool:
    return bool(result.status == 429 or result.status >= 500 or result.status == 0)


def describe(result: Any) -> str:
    """A refusal as text: status, Dataverse code, the (redacted) message."""
    code = f" {result.error_code}" if result.error_code else ""
    return f"HTTP {result.status}{code}: {result.message or 'no message'}"


class Session:
    """The shared machinery of one Dynamics 365 adapter."""

    def __init__(self, client: Any = None) -> None:
        if client is None:
            from connectors.dynamics365 import Dynamics365Client

            client = Dynamics365Client.from_env()
        self.client = client
        self.queue: list[Unit] = []
        self._units: dict[Hashable, Unit] = {}
        self._ids = itertools.count(1)
        self._cache: dict[tuple[str, str], Any] = {}

    @property
    def settings(self) -> Any:
        return self.client.settings

    def content_id(self) -> str:
        """A Content-ID unique in this session (so in any `$batch` it sends)."""
        return str(next(self._ids))

    # --- writes -------------------------------------------------------------------------------
    def request(self, method: str, url: str, body: Any = None, **kw: Any) -> Any:
        from connectors.dynamics365 import BatchRequest

        return BatchRequest(method, url, body, **kw)

    def add(
        self, key: Hashable, requests: list[Any], handler: Handler, atomic: bool = True
    ) -> Unit:
        """Queue a unit; `handler(unit, results)` gets its results (one per request). A unit
        queued again under the same key (a load task retried by Prefect) replaces the queued
        one: the latest write wins, and it is sent once."""
        queued = self._units.get(key)
        if queued is not None:
            # the owner's handler is the new one; watchers (`watch`) keep watching
            queued.requests, queued.atomic = requests, atomic
            queued.handlers = [handler, *queued.handlers[1:]]
            queued.attempts = 0
            return queued
        unit = Unit(key, requests, [handler], atomic)
        self.queue.append(unit)
        self._units[key] = unit
        return unit

    def watch(self, key: Hashable, handler: Handler) -> None:
        """Also call `handler` with the results of this queued unit (after its owner's)."""
        unit = self._units.get(key)
        if unit is not None and handler not in unit.handlers:
            unit.handlers.append(handler)

    def queued(self, key: Hashable) -> bool:
        """Whether the unit `key` is still waiting to be sent."""
        return key in self._units

    @property
    def pending(self) -> int:
        return sum(len(u.requests) for u in self.queue)

    def pump(self, *, force: bool = False) -> None:
        """Send full `$batch` calls (everything with `force`; partly filled calls too beyond
        `MAX_PENDING` queued requests). Handlers may queue more units (retries, follow-ups):
        they go out in the same pump."""
        while self.queue and (force or self.pending >= BATCH_MAX or self.pending > MAX_PENDING):
            call: list[Unit] = [self.queue.pop(0)]
            size = len(call[0].requests)
            while self.queue and size + len(self.queue[0].requests) <= BATCH_MAX:
                size += len(self.queue[0].requests)
                call.append(self.queue.pop(0))
            self._send(call)

    def _send(self, units: list[Unit]) -> None:
        from dataclasses import replace

        flat = []
        for n, unit in enumerate(units):
            group = f"u{n}" if unit.atomic and len(unit.requests) > 1 else None
            flat += [replace(r, atomic=group, ref=(n, i)) for i, r in enumerate(unit.requests)]
        try:
            # every write is an upsert (or an action whose repeat is checked): safe to resend
            results = self.client.batch(flat, changesets=True, idempotent=True)
        except BaseException:
            self.queue[:0] = units  # still to send: a retried task sends them with its own
            raise
        per_unit: list[list[Any]] = [[] for _ in units]
        for result in results:
            per_unit[result.ref[0]].append(result)
        for n, (unit, answers) in enumerate(zip(units, per_unit, strict=True)):
            unit.attempts += 1
            if any(retryable(a) for a in answers) and unit.attempts < UNIT_ATTEMPTS:
                self.queue.append(unit)  # sent again: every request of it is an upsert
                continue
            try:
                for handler in unit.handlers:
                    handler(unit, answers)
            except BaseException:
                # a handler's own call failed (e.g. a read-back): this unit and the ones not
                # handled yet go back to the queue, for the retried task to send again
                self.queue[:0] = units[n:]
                raise
            self._units.pop(unit.key, None)

    # --- reads --------------------------------------------------------------------------------
    def cached(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        """A look-up made once per run (price list, currency, products by number)."""
        slot = (kind, key)
        if slot not in self._cache:
            self._cache[slot] = load()
        return self._cache[slot]

    def rows_where_in(
        self,
        entity_set: str,
        column: str,
        values: Iterable[str],
        select: Sequence[str],
        *,
        extra: str | None = None,
        expand: str | None = None,
    ) -> list[dict[str, Any]]:
        """Rows whose `column` is one of `values` (chunked `Microsoft.Dynamics.CRM.In`)."""
        from connectors.dynamics365.odata import all_of, in_filters

        out: list[dict[str, Any]] = []
        for clause in in_filters(column, [v for v in values if v]):
            rows = self.client.query(
                entity_set, select=list(select), filter=all_of(clause, extra), expand=expand
            )
            out += [dict(r) for r in rows]
        return out

    def close(self) -> None:
        self.client.close()


def modified(row: dict[str, Any]) -> dt.datetime | None:
    value = row.get("modifiedon")
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


class ChangeReader:
    """What changed in a table since the last run: change tracking, or `modifiedon` polling."""

    def __init__(self, session: Session, state: Any) -> None:
        self.session, self.state = session, state

    def changed(
        self, entity_set: str, key: str, window: Window, select: Sequence[str] = ()
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """(rows changed since the stored delta link, ids deleted since) of `entity_set`, with
        `key`, `modifiedon` and `select` read; the new delta link is staged for `window`.

        A full read (no link yet, or an expired one) keeps the rows modified since the window's
        start only (the first run's lookback; after an expiry, what the last run may have
        missed). A table without tracking (no delta link handed out) is polled from then on.
        """
        stream = f"{window.stream}|{entity_set}"
        link = self.state.delta_link(stream)
        columns = list(dict.fromkeys([key, "modifiedon", *select]))
        if link == POLLING:
            return self.polled(entity_set, columns, window.since, window.until), []
        page = self.session.client.changes(entity_set, select=columns, delta_link=link)
        rows = [dict(r) for r in page.records]
        self.state.set_delta_link(stream, page.delta_link or POLLING, window=window)
        if page.full or not page.delta_link:
            rows = [r for r in rows if (m := modified(r)) is None or m >= window.since]
        return rows, [str(i) for i in page.deleted_ids]

    def polled(
        self,
        entity_set: str,
        select: Sequence[str],
        since: dt.datetime,
        until: dt.datetime,
        *,
        extra: str | None = None,
        expand: str | None = None,
    ) -> list[dict[str, Any]]:
        """Rows with `modifiedon` in [since, until] (`modifiedon` polling), oldest first."""
        from connectors.dynamics365.odata import all_of, compare

        window = all_of(compare("modifiedon", "ge", since), compare("modifiedon", "le", until))
        rows = self.session.client.query(
            entity_set,
            select=list(select),
            filter=all_of(window, extra),
            orderby="modifiedon asc",
            expand=expand,
        )
        return [dict(r) for r in rows]


class Stub:
    """What a finished-or-failed record still needs once its canonical form is dropped: its
    reference (and a small summary for the dead letter). Keeps in-flight records small."""

    def __init__(self, record: Any, summary: dict[str, Any] | None = None) -> None:
        self.ref = record.ref
        self._summary = summary or {"ref": record.ref.model_dump(mode="json")}

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dict(self._summary)


def slim(item: Item[Any], summary: dict[str, Any] | None = None) -> Item[Any]:
    """`item` with its record replaced by a `Stub` (memory stays bounded on large loads)."""
    return Item(Stub(item.record, summary), item.payload_hash, item.binding)  # type: ignore[arg-type]


@dataclass
class Job:
    """One record being written: the units it waits for, and what went wrong."""

    item: Item[Any]
    waits: set[Hashable] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    error_class: str = "RecordError"
    target_id: str | None = None
    payload: dict[str, Any] | None = None
    echo: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Tracker:
    """Records with units in flight; finished ones become outcomes."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.by_unit: dict[Hashable, set[str]] = {}
        # finished, not yet handed to the engine; a record started again (its load task
        # retried by Prefect after a call failed) drops its stale outcome: one per record
        self.done: dict[str, Outcome] = {}

    def start(self, job: Job, units: Iterable[Hashable]) -> Job:
        key = job.item.ref.key
        self.jobs[key] = job
        self.done.pop(key, None)
        for u in units:
            job.waits.add(u)
            self.by_unit.setdefault(u, set()).add(key)
        if not job.waits:
            self.finish(job)
        return job

    def jobs_of(self, unit_key: Hashable) -> list[Job]:
        return [self.jobs[k] for k in sorted(self.by_unit.get(unit_key, ())) if k in self.jobs]

    def answered(self, unit_key: Hashable) -> None:
        """A unit answered; finish the jobs for which it was the last one."""
        for key in sorted(self.by_unit.pop(unit_key, set())):
            job = self.jobs.get(key)
            if job is not None:
                job.waits.discard(unit_key)
                if not job.waits:
                    self.finish(job)

    def finish(self, job: Job) -> None:
        key = job.item.ref.key
        self.jobs.pop(key, None)
        if job.errors:
            self.done[key] = failed(job.item, job.error_class, "; ".join(job.errors))
        elif job.target_id is None:
            self.done[key] = failed(job.item, "RecordError", "Dynamics 365 returned no id")
        else:
            self.done[key] = written(job.item, job.target_id, job.payload, (), job.echo)

    @staticmethod
    def fail(job: Job, error_class: str, message: str) -> None:
        job.error_class = error_class
        job.errors.append(message)

    def take(self) -> list[Outcome]:
        """Finished outcomes, once per record."""
        out = list(self.done.values())
        self.done = {}
        return out
