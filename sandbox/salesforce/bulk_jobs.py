"""Bulk API 2.0 ingest jobs of the emulated org (REST API v42.0–v62.0): job info, the state
machine and row-by-row processing.

``Open`` (data uploaded once) → ``UploadComplete`` (closed by the client) → ``InProgress`` →
``JobComplete`` | ``Failed``; ``Aborted`` from any non-terminal state. The rows are processed
when the client closes the job, each through the same DML layer (checks, rules, stamps) as a
REST write and in its own transaction: one bad row fails alone (never all-or-nothing). The
state a client sees then advances one step per ``GET`` (``InProgress`` for
`polls_in_progress` polls, then the outcome), so a client's polling loop is exercised.

Jobs live in memory only: they are not part of the org's dump (a restarted sandbox has none).

Assumptions (codes and texts not documented): a bad job definition is 400 ``INVALIDJOB``
(``INVALIDENTITY`` for an unknown object); a request the job's state forbids (a second upload,
closing twice, deleting an Open job) is 409 ``INVALIDJOBSTATE``; rows sharing an upsert key in
one job all fail with ``DUPLICATE_EXTERNAL_ID`` (as sObject Collections do); a whole-job failure
(no data, wrong line ending, unknown column, missing Id / key column) is ``state: Failed`` with an
``errorMessage`` in the platform's ``Kind : text`` style and every row unprocessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import bulk_csv
from sandbox.salesforce.auth import USER_ID15
from sandbox.salesforce.bulk_csv import JobFailure
from sandbox.salesforce.errors import SfError, dml
from sandbox.salesforce.ids import JOB_PREFIX, make_id, normalize_id, to18
from sandbox.salesforce.schema import SCHEMA, sobject

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

OPERATIONS = ("insert", "upsert", "update", "delete", "hardDelete")
TERMINAL = ("JobComplete", "Failed", "Aborted")
Row = list[str]


@dataclass
class IngestJob:
    """One ingest job and, once processed, its per-row outcomes."""

    id: str
    sobject: str
    operation: str
    version: str
    created: str
    external_id: str | None = None
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "Open"
    modstamp: str = ""
    error_message: str | None = None
    data: bytes | None = None
    header: Row = field(default_factory=list)
    successes: list[tuple[Row, Row]] = field(default_factory=list)  # ([sf__Id, sf__Created], row)
    failures: list[tuple[Row, Row]] = field(default_factory=list)  # ([sf__Id, sf__Error], row)
    unprocessed: list[Row] = field(default_factory=list)
    outcome: str | None = None  # JobComplete | Failed, once processed
    polls_left: int = 0

    def info(self) -> dict[str, Any]:
        """The JobInfo of create / close / abort answers."""
        base = f"services/data/v{self.version}/jobs/ingest/{self.id}"
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": to18(USER_ID15),
            "createdDate": self.created,
            "systemModstamp": self.modstamp or self.created,
            "state": self.state,
        }
        if self.external_id:
            out["externalIdFieldName"] = self.external_id
        out.update(
            concurrencyMode="Parallel",
            contentType="CSV",
            apiVersion=float(self.version),
            contentUrl=f"{base}/batches",
            lineEnding=self.line_ending,
            columnDelimiter=self.delimiter,
        )
        return out

    def detail(self) -> dict[str, Any]:
        """The JobInfo of ``GET /jobs/ingest/{id}``: with counters (and errorMessage)."""
        out = {
            **self.info(),
            "jobType": "V2Ingest",
            "retries": 0,
            "numberRecordsProcessed": len(self.successes) + len(self.failures),
            "numberRecordsFailed": len(self.failures),
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out


def _invalid(message: str) -> SfError:
    # Assumption: Bulk 2.0 refuses a bad job definition with 400 and this code.
    return SfError("INVALIDJOB", f"InvalidJob : {message}")


def job_state_error(job: IngestJob, wanted: str) -> SfError:
    """The refusal of a request the job's state does not allow (Assumption: 409 code)."""
    return SfError(
        "INVALIDJOBSTATE",
        f"InvalidJobState : Job {job.id} is in state {job.state}; {wanted} is not allowed",
        status=409,
    )


class BulkJobs:
    """The org's ingest jobs, by id."""

    def __init__(self) -> None:
        """Start with none."""
        self.jobs: dict[str, IngestJob] = {}
        self.sequence = 0
        self.polls_in_progress = 1  # polls that still see InProgress after the close

    def create(self, emu: SalesforceEmulator, version: str, spec: Any) -> IngestJob:
        """A new Open job from a ``POST /jobs/ingest`` body (400 INVALIDJOB when invalid)."""
        if not isinstance(spec, dict):
            raise _invalid("the request body must be a JSON object")
        obj = sobject(str(spec.get("object")))
        if obj is None:
            raise SfError(
                "INVALIDENTITY",
                f"InvalidEntity : sObject type "
                f"'{spec.get('object')}' is not supported by the Bulk API",
            )
        operation = spec.get("operation")
        if operation not in OPERATIONS:
            raise _invalid(f"Invalid operation: {operation}")
        external = _external_id(obj.name, operation, spec.get("externalIdFieldName"))
        delimiter = spec.get("columnDelimiter", "COMMA")
        ending = spec.get("lineEnding", "LF")
        if (
            spec.get("contentType", "CSV") != "CSV"
            or delimiter not in bulk_csv.DELIMITERS
            or ending not in bulk_csv.LINE_ENDINGS
        ):
            raise _invalid(
                "contentType must be CSV, columnDelimiter one of "
                f"{', '.join(bulk_csv.DELIMITERS)}, lineEnding LF or CRLF"
            )
        self.sequence += 1
        now = emu.store.clock()
        job = IngestJob(
            make_id(JOB_PREFIX, self.sequence),
            obj.name,
            operation,
            version,
            now,
            external,
            delimiter,
            ending,
        )
        self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> IngestJob:
        """The job, or 404 NOT_FOUND."""
        job = self.jobs.get(normalize_id(job_id) or job_id)  # 15- or 18-char, any case
        if job is None:
            raise SfError("NOT_FOUND", "The requested resource does not exist", status=404)
        return job

    def poll(self, job: IngestJob) -> dict[str, Any]:
        """``GET /jobs/ingest/{id}``: advance the visible state one step, then report."""
        if job.outcome is not None and job.state not in TERMINAL:
            if job.polls_left > 0:
                job.state, job.polls_left = "InProgress", job.polls_left - 1
            else:
                job.state = job.outcome
        return job.detail()


def _external_id(sobject: str, operation: str, name: Any) -> str | None:
    if operation != "upsert":
        return None
    if not isinstance(name, str) or not name:
        raise _invalid("externalIdFieldName is required for an upsert job")
    f = SCHEMA[sobject].field(name)
    if f is None or not (f.external_id or f.name == "Id"):
        raise _invalid(f"Field {name} is not an External ID or Id field of {sobject}")
    return f.name


def process(emu: SalesforceEmulator, job: IngestJob) -> None:
    """Apply every uploaded row (lock held); the outcome is recorded on the job."""
    try:
        header, rows = bulk_csv.read(job.data or b"", job.delimiter, job.line_ending)
        job.header = header
        cols = bulk_csv.columns(SCHEMA[job.sobject], header)
        _check_header(job, header)
    except JobFailure as failure:
        job.outcome, job.error_message = "Failed", str(failure)
        job.header, job.unprocessed = bulk_csv.read_loosely(job.data or b"", job.delimiter)
        return
    duplicates = _duplicate_keys(job, rows)
    for row in rows:
        try:
            if (
                job.external_id
                and bulk_csv.cell_of(header, row, job.external_id).casefold() in duplicates
            ):
                raise dml(
                    "DUPLICATE_EXTERNAL_ID",
                    "Duplicate external id specified: "
                    f"{bulk_csv.cell_of(header, row, job.external_id)}",
                    job.external_id,
                )
            rid, created = _apply(emu, job, cols, row)
            job.successes.append(([rid, "true" if created else "false"], row))
        except SfError as err:
            job.failures.append(([_known_id(job, row), bulk_csv.error_text(err)], row))
    job.outcome = "JobComplete"


def _check_header(job: IngestJob, header: Row) -> None:
    names = [h.lower() for h in header]
    needed = {"update": "Id", "delete": "Id", "hardDelete": "Id", "upsert": job.external_id}
    key = needed.get(job.operation)
    if key is not None and key.lower() not in names:
        raise JobFailure(f"InvalidBatch : Field name not provided: {key}")


def _duplicate_keys(job: IngestJob, rows: list[Row]) -> set[str]:
    if not job.external_id:
        return set()
    values = [bulk_csv.cell_of(job.header, r, job.external_id).casefold() for r in rows]
    return {v for v in values if v and values.count(v) > 1}


def _known_id(job: IngestJob, row: Row) -> str:
    """sf__Id of a failed row: the record's id when the row named one (API 53.0+)."""
    if job.operation in ("update", "delete", "hardDelete"):
        return bulk_csv.cell_of(job.header, row, "Id")
    return ""


def _apply(
    emu: SalesforceEmulator, job: IngestJob, cols: list[tuple[str, str | None]], row: Row
) -> tuple[str, bool]:
    obj, op = SCHEMA[job.sobject], job.operation
    if op == "insert":
        return emu.dml.create(obj.name, bulk_csv.body(obj, cols, row)), True
    if op in ("delete", "hardDelete", "update"):
        rid = bulk_csv.cell_of(job.header, row, "Id")
        if not rid:
            raise dml("MISSING_ARGUMENT", f"Id not specified in an {op} call", "Id")
        if op == "update":
            emu.dml.update(obj.name, rid, bulk_csv.body(obj, cols, row, skip="Id"), rest=False)
        else:
            emu.dml.delete(obj.name, rid, rest=False, hard=op == "hardDelete")
        return normalize_id(rid) or rid, False
    key = str(job.external_id)
    value = bulk_csv.cell_of(job.header, row, key)
    data = bulk_csv.body(obj, cols, row, skip=key)
    if key == "Id" and not value:
        return emu.dml.create(obj.name, data), True  # an upsert on Id creates blank-Id rows
    # Several records holding the value: MultipleMatches, a DUPLICATE_EXTERNAL_ID row error.
    return emu.dml.upsert(obj.name, key, value, data, rest=False)
