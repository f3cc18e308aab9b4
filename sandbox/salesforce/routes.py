"""The REST routes of the emulated org: token, versions, sObject rows, describe, limits, SOQL
(REST API v42.0–v62.0; sObject Collections live in `collections`).

Every data route sits under ``/services/data/v{version}`` behind one dependency that checks the
session (401 ``INVALID_SESSION_ID``), the version (404) and the daily request allowance (403
``REQUEST_LIMIT_EXCEEDED``), and counts the request against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.salesforce import sobject_collections
from sandbox.salesforce.errors import MultipleMatches, OAuthError, SfError, not_found
from sandbox.salesforce.query import attributes, batch_size, execute
from sandbox.salesforce.schema import SCHEMA, SObject, describe, describe_global_entry
from sandbox.salesforce.store import Record
from sandbox.salesforce.web import (
    VERSIONS,
    SalesforceEdge,
    http_error_handler,
    json_body,
    no_content,
    oauth_error_handler,
    record_body,
    release_label,
    resolve_object,
    sf_error_handler,
    sf_json,
    version_number,
)

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

DATA = "/services/data/v{version}"
UPDATED_STATUS_SINCE = 46.0  # upsert of an existing record: 200 + body from v46.0, 204 before


def register(app: FastAPI, emu: SalesforceEmulator) -> None:
    """Add the org's routes, error handlers and edge layer to `app`."""
    app.add_exception_handler(SfError, sf_error_handler)
    app.add_exception_handler(OAuthError, oauth_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(SalesforceEdge, usage_header=emu.usage_header)

    @app.post("/services/oauth2/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        with emu.lock:
            return sf_json(emu.auth.exchange(form, emu.base_url))

    @app.get("/services/data")
    async def versions() -> Response:
        return sf_json([
            {"label": release_label(v), "url": f"/services/data/v{v}", "version": v}
            for v in VERSIONS
        ])

    async def guard(request: Request, version: str) -> None:
        with emu.lock:
            if not emu.auth.check(request.headers.get("authorization")):
                raise SfError("INVALID_SESSION_ID", "Session expired or invalid", status=401)
            if version not in VERSIONS:
                raise not_found()
            if not emu.consume_api_request():
                raise SfError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.",
                              status=403)

    router = APIRouter(prefix=DATA, dependencies=[Depends(guard)])
    _resources(router, emu)
    _sobject_routes(router, emu)
    _query_routes(router, emu)
    sobject_collections.register(router, emu)
    app.include_router(router)


def _resources(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.get("")
    async def resources(version: str) -> Response:
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite")
        return sf_json({name: f"{base}/{name}" for name in names})

    @router.get("/limits")
    async def limits() -> Response:
        with emu.lock:
            used, limit = emu.api_requests_today(), emu.daily_limit
        return sf_json({
            "DailyApiRequests": {"Max": limit, "Remaining": max(limit - used, 0)},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        })

    @router.get("/sobjects")
    async def describe_global(version: str) -> Response:
        return sf_json({
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [describe_global_entry(o, version) for o in SCHEMA.values()],
        })

    @router.get("/sobjects/{sobject}")
    async def basic_info(version: str, sobject: str) -> Response:
        obj = resolve_object(sobject)
        return sf_json({"objectDescribe": describe_global_entry(obj, version), "recentItems": []})

    @router.get("/sobjects/{sobject}/describe")
    async def describe_object(version: str, sobject: str) -> Response:
        return sf_json(describe(resolve_object(sobject), version))


def render_record(obj: SObject, rec: Record, version: str, fields: str | None) -> Record:
    """A record as ``GET /sobjects/{S}/{Id}`` returns it (all fields, or `fields` + Id)."""
    row: Record = {"attributes": attributes(obj.name, rec["Id"], version)}
    if fields is None:
        row.update({name: rec.get(name) for name in obj.fields})
        return row
    for name in [n.strip() for n in fields.split(",") if n.strip()]:
        f = obj.field(name)
        if f is None:
            raise SfError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
        row[f.name] = rec.get(f.name)
    # Assumption (as in the documented example): Id is appended when not asked for.
    row.setdefault("Id", rec["Id"])
    return row


def _live(emu: SalesforceEmulator, obj: SObject, record_id: str) -> Record:
    rec = emu.store.get(obj.name, record_id, deleted=True)
    if rec is None:
        raise not_found()
    if rec["IsDeleted"]:
        raise SfError("ENTITY_IS_DELETED", "entity is deleted", status=404)
    return rec


def _external_value(request: Request) -> str:
    """The external id value as sent (percent-decoded once; ``+`` stays ``+``, as in an org)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    segments = raw.decode("utf-8", "replace").split("/")
    return unquote("/".join(segments[7:]))  # '', services, data, vXX, sobjects, S, Field, value


def _multiple(err: MultipleMatches, obj: SObject, version: str) -> Response:
    return sf_json([f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in err.ids], 300)


def _sobject_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.post("/sobjects/{sobject}")
    async def create(request: Request, sobject: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        with emu.lock:
            rid = emu.dml.create(obj.name, body)
        return sf_json({"id": rid, "success": True, "errors": []}, 201)

    @router.get("/sobjects/{sobject}/{record_id}")
    async def read(request: Request, version: str, sobject: str, record_id: str) -> Response:
        obj = resolve_object(sobject)
        with emu.lock:
            rec = _live(emu, obj, record_id)
            return sf_json(render_record(obj, rec, version, request.query_params.get("fields")))

    @router.patch("/sobjects/{sobject}/{record_id}")
    async def update(request: Request, sobject: str, record_id: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        with emu.lock:
            emu.dml.update(obj.name, record_id, body)
        return no_content()

    @router.delete("/sobjects/{sobject}/{record_id}")
    async def delete(sobject: str, record_id: str) -> Response:
        obj = resolve_object(sobject)
        with emu.lock:
            emu.dml.delete(obj.name, record_id)
        return no_content()

    _external_id_routes(router, emu)


def _by_external_id(emu: SalesforceEmulator, request: Request, obj: SObject,
                    field: str) -> Record:
    """The one live record whose external id `field` holds the URL's value (lock held)."""
    key = emu.dml.upsert_key(obj, field)
    value = _external_value(request)
    matches = emu.store.find(obj.name, key, value)
    if len(matches) > 1:
        raise MultipleMatches(key.name, value, [m["Id"] for m in matches])
    if not matches:
        raise not_found()
    return matches[0]


def _external_id_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.get("/sobjects/{sobject}/{field}/{value:path}")
    async def read_by_external_id(request: Request, version: str, sobject: str,
                                  field: str) -> Response:
        obj = resolve_object(sobject)
        try:
            with emu.lock:
                rec = _by_external_id(emu, request, obj, field)
                fields = request.query_params.get("fields")
                return sf_json(render_record(obj, rec, version, fields))
        except MultipleMatches as err:
            return _multiple(err, obj, version)

    @router.patch("/sobjects/{sobject}/{field}/{value:path}")
    async def upsert(request: Request, version: str, sobject: str, field: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        try:
            with emu.lock:
                rid, created = emu.dml.upsert(obj.name, field, _external_value(request), body)
        except MultipleMatches as err:
            return _multiple(err, obj, version)
        result: dict[str, Any] = {"id": rid, "success": True, "errors": [], "created": created}
        if created:
            return sf_json(result, 201)
        if version_number(version) < UPDATED_STATUS_SINCE:
            return no_content()
        return sf_json(result, 200)

    @router.delete("/sobjects/{sobject}/{field}/{value:path}")
    async def delete_by_external_id(request: Request, version: str, sobject: str,
                                    field: str) -> Response:
        obj = resolve_object(sobject)
        try:
            with emu.lock:
                emu.dml.delete(obj.name, _by_external_id(emu, request, obj, field)["Id"])
        except MultipleMatches as err:
            return _multiple(err, obj, version)
        return no_content()


def _query_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    async def run(request: Request, version: str, include_deleted: bool) -> Response:
        soql = request.query_params.get("q")
        if not soql:
            raise SfError("MALFORMED_QUERY", "A query string has to be specified")
        batch = batch_size(request.headers.get("sforce-query-options"))
        with emu.lock:
            result = execute(emu.store, soql, include_deleted=include_deleted, version=version)
            return sf_json(emu.cursors.first_page(result, batch, version))

    @router.get("/query")
    async def query(request: Request, version: str) -> Response:
        return await run(request, version, False)

    @router.get("/queryAll")
    async def query_all(request: Request, version: str) -> Response:
        return await run(request, version, True)

    @router.get("/query/{locator}")
    @router.get("/queryAll/{locator}")
    async def query_more(request: Request, version: str, locator: str) -> Response:
        batch = batch_size(request.headers.get("sforce-query-options"))
        with emu.lock:
            return sf_json(emu.cursors.next_page(locator, batch, version))
