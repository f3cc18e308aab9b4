"""One Salesforce load: the client, its look-ups, the call packer, and results routed back.

Targets of every entity share the same shape: they turn records into `Write`s, hand them to the
session, and get each write's `SaveResult` back through a handler when the packed call that
carried it returns. A record is finished when its last pending write answered (`Tracker`); then
its `Outcome` is ready for the engine. Large loads switch the packer from `/composite` calls to
Bulk API 2.0 jobs (`use_bulk`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce import SalesforceClient
from connectors.salesforce.bulk import BulkWriter, MixedWriter
from connectors.salesforce.lookups import Lookups
from connectors.salesforce.models import SaveResult
from connectors.salesforce.writer import CompositeWriter, Write
from flows.ports import Item, Outcome, failed, written

Handler = Callable[[Hashable, SaveResult], None]
MAX_PENDING = 4_000  # writes held to pack calls; beyond it partly filled calls are sent


class Session:
    """The shared machinery of one Salesforce target run."""

    def __init__(self, client: SalesforceClient | None = None) -> None:
        self.client = client or SalesforceClient.from_env()
        self.lookups = Lookups(self.client)
        self.writer: CompositeWriter | MixedWriter = CompositeWriter(self.client)
        self._handlers: dict[Hashable, list[Handler]] = {}

    def use_bulk(self, groups: set[tuple[str, int]]) -> None:
        """Send the writes of these (sobject, stage) groups as Bulk API 2.0 jobs at the end of
        the load, the others through `/composite` as they come (large loads)."""
        if isinstance(self.writer, CompositeWriter) and self.writer.pending == 0 and groups:
            bulk = BulkWriter(self.client, poll_s=self.client.settings.bulk_poll_s)
            self.writer = MixedWriter(self.writer, bulk, groups)

    @property
    def bulk(self) -> bool:
        return isinstance(self.writer, MixedWriter)

    def add(self, writes: Iterable[Write], handler: Handler) -> list[Hashable]:
        """Queue writes; `handler(key, result)` is called with each one's result."""
        batch = list(writes)
        for w in batch:
            self._handlers[w.key] = [handler]
        self.writer.add(batch)
        return [w.key for w in batch]

    def watch(self, keys: Iterable[Hashable], handler: Handler) -> None:
        """Also call `handler` with the results of these pending writes (after the owner's)."""
        for key in keys:
            if key in self._handlers:
                self._handlers[key].append(handler)

    def pump(self, *, force: bool = False) -> None:
        """Send what packs well and route the results; with `force` (the end of the load),
        everything, bulk jobs included. Beyond `MAX_PENDING` queued writes, partly filled calls
        are sent too (memory stays bounded)."""
        keep = 0 if force else MAX_PENDING
        while True:
            answered = 0
            for key, result in self.writer.flush(
                force=force or self.writer.pending > keep, keep=keep, final=force
            ):
                answered += 1
                for handler in self._handlers.pop(key, []):
                    handler(key, result)
            if not answered:
                return

    def close(self) -> None:
        self.client.close()


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
    """One record being written: the writes it waits for, and what went wrong."""

    item: Item[Any]
    waits: set[Hashable] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    error_class: str = "RecordError"
    target_id: str | None = None
    payload: dict[str, Any] | None = None
    binds: list[Any] = field(default_factory=list)
    on_done: Callable[[Job], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what a target's hooks keep


class Tracker:
    """Records with writes in flight; finished ones become outcomes."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.by_write: dict[Hashable, str] = {}
        self.done: list[Outcome] = []

    def start(self, job: Job) -> Job:
        key = job.item.ref.key
        self.jobs[key] = job
        return job

    def wait(self, job: Job, write_keys: Iterable[Hashable]) -> None:
        for k in write_keys:
            job.waits.add(k)
            self.by_write[k] = job.item.ref.key

    def job_of(self, write_key: Hashable) -> Job | None:
        record = self.by_write.get(write_key)
        return self.jobs.get(record) if record else None

    def answered(self, write_key: Hashable) -> None:
        """A write of a job answered; finish the job when it was the last one."""
        record = self.by_write.pop(write_key, None)
        job = self.jobs.get(record) if record else None
        if job is None:
            return
        job.waits.discard(write_key)
        if not job.waits:
            self.finish(job)

    def finish(self, job: Job) -> None:
        if job.on_done is not None and not job.errors:
            hook, job.on_done = job.on_done, None
            hook(job)  # may add more writes to wait for
            if job.waits:
                return
        self.jobs.pop(job.item.ref.key, None)
        if job.errors:
            self.done.append(failed(job.item, job.error_class, "; ".join(job.errors)))
        elif job.target_id is None:
            self.done.append(failed(job.item, "RecordError", "Salesforce returned no id"))
        else:
            self.done.append(
                written(job.item, job.target_id, job.payload, job.binds, job.extra.get("echo"))
            )

    def fail(self, job: Job, error_class: str, message: str) -> None:
        job.error_class = error_class
        job.errors.append(message)

    def take(self) -> list[Outcome]:
        out, self.done = self.done, []
        return out
