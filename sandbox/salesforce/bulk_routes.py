"""Bulk API 2.0 ingest routes of the emulated org (REST API v42.0–v62.0), as
simple-salesforce's ``sf.bulk2.<Object>`` drives them:

* ``POST /jobs/ingest`` → 200 JobInfo (``state: Open``, ``contentUrl``);
* ``PUT /jobs/ingest/{id}/batches`` (``text/csv``) → 201, no body (once per job);
* ``PATCH /jobs/ingest/{id}`` ``{"state": "UploadComplete" | "Aborted"}`` → 200 JobInfo;
* ``GET /jobs/ingest/{id}`` → JobInfo with ``numberRecordsProcessed`` / ``numberRecordsFailed``;
* ``GET /jobs/ingest/{id}/successfulResults`` | ``failedResults`` | ``unprocessedrecords``
  (simple-salesforce asks for ``unprocessedRecords``: both spellings answer) → ``text/csv``;
* ``DELETE /jobs/ingest/{id}`` → 204 (terminal or closed jobs only); ``GET /jobs/ingest`` → all.

Each of these is one API request (the data router's guard counts it). Errors use the REST error
array; the codes for job-state conflicts (409 ``INVALIDJOBSTATE``) and bad job definitions (400
``INVALIDJOB``) are assumptions (see `bulk_jobs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from sandbox.salesforce import bulk_csv
from sandbox.salesforce.bulk_jobs import TERMINAL, IngestJob, job_state_error, process
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.web import json_body, no_content, sf_json

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

RESULTS = {"successfulresults", "failedresults", "unprocessedrecords"}


def results_csv(job: IngestJob, kind: str) -> str:
    """One of the three result files of `job`."""
    sep, end = job.delimiter, job.line_ending
    if kind == "successfulresults":
        return bulk_csv.write(["sf__Id", "sf__Created"], job.header, job.successes, sep, end)
    if kind == "failedresults":
        return bulk_csv.write(["sf__Id", "sf__Error"], job.header, job.failures, sep, end)
    rows = job.unprocessed if job.outcome is not None else _pending(job)
    return bulk_csv.write([], job.header or _pending_header(job), [([], r) for r in rows], sep, end)


def _pending(job: IngestJob) -> list[list[str]]:
    return bulk_csv.read_loosely(job.data, job.delimiter)[1] if job.data else []


def _pending_header(job: IngestJob) -> list[str]:
    return bulk_csv.read_loosely(job.data, job.delimiter)[0] if job.data else []


def _set_state(emu: SalesforceEmulator, job: IngestJob, wanted: object) -> None:
    if wanted == "UploadComplete":
        if job.state != "Open":
            raise job_state_error(job, "closing it")
        job.state = "UploadComplete"
        process(emu, job)
        job.polls_left = emu.bulk.polls_in_progress
    elif wanted == "Aborted":
        if job.state in TERMINAL:
            raise job_state_error(job, "aborting it")
        if job.outcome is None:  # nothing processed: every uploaded row stays unprocessed
            job.header, job.unprocessed = _pending_header(job), _pending(job)
            job.outcome = "Aborted"
        job.state = "Aborted"
    else:
        raise SfError(
            "INVALIDJOB",
            f"InvalidJob : the state can only be set to UploadComplete or Aborted, not {wanted}",
        )
    job.modstamp = emu.store.clock()


def register(router: APIRouter, emu: SalesforceEmulator) -> None:
    """Add the ``/jobs/ingest`` routes to the data router."""
    _job_routes(router, emu)
    _data_routes(router, emu)


def _job_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.post("/jobs/ingest")
    async def create_job(request: Request, version: str) -> Response:
        spec = await json_body(request)
        with emu.lock:
            return sf_json(emu.bulk.create(emu, version, spec).info())

    @router.get("/jobs/ingest")
    async def all_jobs() -> Response:
        with emu.lock:
            records = [job.info() for job in emu.bulk.jobs.values()]
        return sf_json({"done": True, "records": records, "nextRecordsUrl": None})

    @router.get("/jobs/ingest/{job_id}")
    async def job_info(job_id: str) -> Response:
        with emu.lock:
            return sf_json(emu.bulk.poll(emu.bulk.get(job_id)))

    @router.delete("/jobs/ingest/{job_id}")
    async def delete_job(job_id: str) -> Response:
        with emu.lock:
            job = emu.bulk.get(job_id)
            if job.state == "Open":
                raise job_state_error(job, "deleting it")
            del emu.bulk.jobs[job_id]
        return no_content()


def _data_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.put("/jobs/ingest/{job_id}/batches")
    async def upload(request: Request, job_id: str) -> Response:
        data = await request.body()
        if not request.headers.get("content-type", "").lower().startswith("text/csv"):
            raise SfError("INVALIDJOB", "InvalidJob : job data must be sent as text/csv")
        with emu.lock:
            job = emu.bulk.get(job_id)
            if job.state != "Open" or job.data is not None:
                raise job_state_error(job, "uploading data (data can be uploaded once)")
            job.data = data
        return Response(status_code=201)

    @router.patch("/jobs/ingest/{job_id}")
    async def set_state(request: Request, job_id: str) -> Response:
        body = await json_body(request)
        wanted = body.get("state") if isinstance(body, dict) else None
        with emu.lock:
            job = emu.bulk.get(job_id)
            _set_state(emu, job, wanted)
            return sf_json(job.info())

    @router.get("/jobs/ingest/{job_id}/{kind}")
    async def results(job_id: str, kind: str) -> Response:
        if kind.lower() not in RESULTS:
            raise not_found()
        with emu.lock:
            text = results_csv(emu.bulk.get(job_id), kind.lower())
        return Response(text.encode(), media_type="text/csv")
