"""Large loads through Bulk API 2.0 ingest jobs, with simple-salesforce's `bulk2` (v59.0).

`BulkWriter` takes the same `Write`s as `CompositeWriter`, spools each group (object, operation,
external id field) to a temporary file as it comes (memory stays bounded), and at `flush` runs one
job per group in stage order: create, upload the CSV, close, poll, then read the successful and
failed results back (to files) and hand one `SaveResult` per write key. A job costs about six API
calls whatever its size, so it pays from a few thousand records per group; `cost` tells.

CSV conventions (Bulk 2.0): lookups by external id are columns `Relationship.ExternalId__c`, an
empty cell leaves a field unchanged, booleans are `true`/`false`, numbers keep their digits.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Hashable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from simple_salesforce.bulk2 import Operation

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.models import SaveResult
from connectors.salesforce.writer import Write, failed_result

CALLS_PER_JOB = 6  # create, upload, close, poll (at least once), successful + failed results
MAX_JOB_BYTES = 99 * 1024 * 1024  # the CSV of one job (Bulk 2.0 takes up to 100 MB per upload)


def cost(records: int) -> int:
    """API calls of one Bulk 2.0 job (whatever the number of records)."""
    return CALLS_PER_JOB if records else 0


def composite_cost(records: int, chunk: int = 200, subrequests: int = 5) -> int:
    """API calls of the same records through packed `/composite` requests."""
    return math.ceil(math.ceil(records / chunk) / subrequests)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def _flatten(record: Mapping[str, Any]) -> dict[str, str]:
    """`{"Account": {"Ext__c": "A"}}` → `{"Account.Ext__c": "A"}` (Bulk 2.0 lookup columns)."""
    out: dict[str, str] = {}
    for name, value in record.items():
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                out[f"{name}.{sub}"] = _cell(inner)
        else:
            out[name] = _cell(value)
    return out


class _Spool:
    """One group's rows in a temporary JSON-lines file, and the union of their columns."""

    def __init__(self, directory: Path, sobject: str, op: str, ext_field: str | None) -> None:
        self.sobject, self.op, self.ext_field = sobject, op, ext_field
        fd, name = tempfile.mkstemp(prefix=f"{sobject}-{op}-", suffix=".jsonl", dir=directory)
        self.path = Path(name)
        self.file = os.fdopen(fd, "w", encoding="utf-8")
        self.columns: dict[str, None] = {}
        self.keys: dict[str, Hashable] = {}  # the row's identity (Id or external id) -> write key
        self.count = 0

    def add(self, w: Write) -> None:
        row = _flatten(w.record)
        self.columns.update(dict.fromkeys(row))
        ident = row.get(self.ext_field or "Id", "")
        if not ident:
            raise ValueError(f"bulk {self.op} of {self.sobject} needs {self.ext_field or 'Id'}")
        self.keys[ident.lower() if self.ext_field else ident] = w.key
        self.file.write(json.dumps(row) + "\n")
        self.count += 1

    def to_csv_parts(self, max_bytes: int | None = None) -> Iterator[Path]:
        """The rows as CSV files of at most `max_bytes` (default `MAX_JOB_BYTES`) each, one job
        per file, made one at a time: a part is written when the previous one was taken."""
        max_bytes = max_bytes or MAX_JOB_BYTES
        self.file.close()
        header = list(self.columns)
        head = io.StringIO()
        csv.DictWriter(head, header, lineterminator="\n").writeheader()
        part, out, size = 0, None, 0
        try:
            with self.path.open(encoding="utf-8") as rows:
                for line in rows:
                    buffer = io.StringIO()
                    csv.DictWriter(buffer, header, lineterminator="\n").writerow(json.loads(line))
                    row = buffer.getvalue()
                    if out is not None and size + len(row.encode()) > max_bytes:
                        out.close()
                        yield self.path.with_suffix(f".{part}.csv")
                        out = None
                    if out is None:
                        part += 1
                        out = self.path.with_suffix(f".{part}.csv").open("w", encoding="utf-8")
                        out.write(head.getvalue())
                        size = len(head.getvalue().encode())
                    out.write(row)
                    size += len(row.encode())
            if out is not None:
                out.close()
                yield self.path.with_suffix(f".{part}.csv")
        finally:
            self.path.unlink(missing_ok=True)


class BulkWriter:
    """Runs spooled writes as Bulk API 2.0 ingest jobs (see the module docstring)."""

    def __init__(
        self, client: SalesforceClient, *, poll_s: float = 2.0, directory: Path | None = None
    ) -> None:
        self.client = client
        self.poll_s = poll_s
        self._dir = Path(tempfile.mkdtemp(prefix="storebridge-bulk-", dir=directory))
        self._spools: dict[tuple[int, str, str, str], _Spool] = {}
        self.jobs = 0

    @property
    def pending(self) -> int:
        return sum(s.count for s in self._spools.values())

    def holds(self, key: Hashable) -> bool:
        return False  # spooled rows cannot be taken back; results come at the end

    def add(self, writes: Iterable[Write]) -> None:
        """Spool writes (stage order decides the job order; `after` is implied by stages)."""
        for w in writes:
            spool = self._spools.get(w.group)
            if spool is None:
                spool = self._spools[w.group] = _Spool(self._dir, w.sobject, w.op, w.ext_field)
            spool.add(w)

    def flush(self, *, force: bool = True, keep: int = 0) -> Iterator[tuple[Hashable, SaveResult]]:
        """Run every spooled group as one job, lowest stage first; yield each write's result
        as its result file is read (nothing of a large load is held in memory at once)."""
        for key in sorted(self._spools):
            spool = self._spools.pop(key)
            yield from self._run(spool)

    def _run(self, spool: _Spool) -> Iterator[tuple[Hashable, SaveResult]]:
        for path in spool.to_csv_parts():

            def job(sf: Any, part: Path = path) -> str:
                return self._job(sf, spool, part)

            try:
                job_id = self.client.call(job)
            finally:
                path.unlink(missing_ok=True)
            self.jobs += 1
            yield from self._job_results(job_id, spool)
        for ident, key in spool.keys.items():  # what no result file mentioned
            yield key, failed_result("UNPROCESSED", f"bulk job left {ident} out")

    def _job(self, sf: Any, spool: _Spool, path: Path) -> str:
        """One ingest job through simple-salesforce's Bulk 2.0 job client: create, upload,
        close, poll until done. The same calls its `upsert()` makes, without its final read of
        the job's counters: the result files that follow say more, so a job costs 6 calls
        (plus one per poll that still sees it in progress)."""
        jobs = getattr(sf.bulk2, spool.sobject)._client  # simple_salesforce.bulk2._Bulk2Client
        created = jobs.create_job(
            Operation(spool.op), external_id_field=spool.ext_field if spool.op == "upsert" else None
        )
        job_id = str(created["id"])
        try:
            jobs.upload_job_data(job_id, path.read_text(encoding="utf-8"))
            jobs.close_job(job_id)
            jobs.wait_for_job(job_id, False, self.poll_s)
        except Exception:
            with contextlib.suppress(Exception):  # an open job would hold the object's rows
                jobs.abort_job(job_id, False)
            raise
        return job_id

    def _job_results(self, job_id: str, spool: _Spool) -> Iterator[tuple[Hashable, SaveResult]]:
        for name, ok in (("successful", True), ("failed", False)):
            target = self._dir / f"{job_id}-{name}.csv"
            getter = "get_successful_records" if ok else "get_failed_records"

            def fetch(sf: Any, g: str = getter, t: Path = target) -> Any:
                return getattr(getattr(sf.bulk2, spool.sobject), g)(job_id, file=str(t))

            self.client.call(fetch)
            for row in _rows(target):
                ident = row.get(spool.ext_field or "Id", "") or row.get("sf__Id", "")
                key = spool.keys.pop(ident.lower() if spool.ext_field else ident, None)
                if key is None:
                    continue
                if ok:
                    created = row.get("sf__Created", "").lower() == "true"
                    yield (
                        key,
                        SaveResult(id=row.get("sf__Id") or None, success=True, created=created),
                    )
                else:
                    code, _, message = row.get("sf__Error", "UNKNOWN:").partition(":")
                    yield key, failed_result(code, message.rstrip(" -"))
            target.unlink(missing_ok=True)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


class MixedWriter:
    """Bulk API 2.0 jobs for the groups that are large enough to pay for one, packed
    `/composite` calls for the rest (e.g. the accounts and contacts of a large order backfill
    go through composite as they come, its orders, items and activations as three jobs).

    `bulk_groups` names the groups by (sobject, op, stage) prefix; composite groups are flushed
    as `CompositeWriter` does, the bulk ones only with `force` (at the end of the load), after
    every composite write, so a job's rows find the parents they point at.
    """

    def __init__(self, composite: Any, bulk: BulkWriter, bulk_groups: set[tuple[str, int]]) -> None:
        self.composite, self.bulk, self.bulk_groups = composite, bulk, bulk_groups

    @property
    def pending(self) -> int:
        """Composite writes waiting to be packed (spooled bulk rows wait for the end)."""
        return int(self.composite.pending)

    @property
    def calls(self) -> int:
        return int(self.composite.calls)

    def holds(self, key: Hashable) -> bool:
        return bool(self.composite.holds(key))

    def add(self, writes: Iterable[Write]) -> None:
        small: list[Write] = []
        large: list[Write] = []
        for w in writes:
            (large if (w.sobject, w.stage) in self.bulk_groups else small).append(w)
        self.composite.add(small)
        self.bulk.add(large)

    def flush(
        self, *, force: bool = False, keep: int = 0, final: bool = False
    ) -> Iterator[tuple[Hashable, SaveResult]]:
        """Composite writes as `CompositeWriter.flush`; with `final`, then the bulk jobs."""
        yield from self.composite.flush(force=force, keep=keep)
        if final and not self.composite.pending:
            yield from self.bulk.flush()
