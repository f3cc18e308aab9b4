"""The REST routes of the emulated org: token, versions, sObject rows, describe, limits, SOQL,
sObject Collections (REST API v42.0–v62.0). Composite and Bulk API 2.0 register their own routes
(`composite`, `bulk_routes`); the resources' logic is in `rest` and `sobject_collections`.

Every data route sits under ``/services/data/v{version}`` behind one dependency that checks the
session (401 ``INVALID_SESSION_ID``), the version (404) and the daily request allowance (403
``REQUEST_LIMIT_EXCEEDED``), and counts the request against it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.salesforce import admin, bulk_routes, composite, rest
from sandbox.salesforce import sobject_collections as coll
from sandbox.salesforce.cursors import batch_size
from sandbox.salesforce.describe import describe, describe_global_entry
from sandbox.salesforce.errors import OAuthError, SfError, not_found
from sandbox.salesforce.schema import SCHEMA
from sandbox.salesforce.web import (
    VERSIONS,
    SalesforceEdge,
    UriTooLong,
    http_error_handler,
    json_body,
    oauth_error_handler,
    record_body,
    release_label,
    reply_response,
    resolve_object,
    sf_error_handler,
    sf_json,
    uri_too_long,
    uri_too_long_handler,
)

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

DATA = "/services/data/v{version}"


def register(app: FastAPI, emu: SalesforceEmulator) -> None:
    """Add the org's routes, error handlers and edge layer to `app`."""
    _edge(app, emu)
    admin.register(app, emu)
    _login_routes(app, emu)
    router = APIRouter(prefix=DATA, dependencies=[Depends(_guard(emu))])
    _resources(router, emu)
    _sobject_routes(router, emu)
    _external_id_routes(router, emu)
    _query_routes(router, emu)
    _collection_routes(router, emu)
    composite.register(router, emu)
    bulk_routes.register(router, emu)
    app.include_router(router)


def _edge(app: FastAPI, emu: SalesforceEmulator) -> None:
    app.add_exception_handler(SfError, sf_error_handler)
    app.add_exception_handler(OAuthError, oauth_error_handler)
    app.add_exception_handler(UriTooLong, uri_too_long_handler)
    app.add_middleware(SalesforceEdge, usage_header=emu.usage_header)

    async def not_routed(request: Request, exc: Exception) -> Response:
        if uri_too_long(request.scope):  # no route matched: the front end still answers 414
            emu.consume_api_request()
            return await uri_too_long_handler(request, exc)
        return await http_error_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, not_routed)


def _login_routes(app: FastAPI, emu: SalesforceEmulator) -> None:
    @app.post("/services/oauth2/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        with emu.lock:
            return sf_json(emu.auth.exchange(form, emu.base_url))

    @app.get("/services/data")
    async def versions() -> Response:
        return sf_json(
            [
                {"label": release_label(v), "url": f"/services/data/v{v}", "version": v}
                for v in VERSIONS
            ]
        )


def _guard(emu: SalesforceEmulator) -> Callable[[Request, str], Awaitable[None]]:
    """The data routes' dependency: URL length, session, version, daily allowance."""

    async def guard(request: Request, version: str) -> None:
        if uri_too_long(request.scope):
            emu.consume_api_request()  # counted like any request (see `web`)
            raise UriTooLong
        with emu.lock:
            if not emu.auth.check(request.headers.get("authorization")):
                raise SfError("INVALID_SESSION_ID", "Session expired or invalid", status=401)
            if version not in VERSIONS:
                raise not_found()
            if not emu.consume_api_request():
                raise SfError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", status=403)

    return guard


def _resources(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.get("")
    async def resources(version: str) -> Response:
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
        return sf_json({name: f"{base}/{name}" for name in names})

    @router.get("/limits")
    async def limits() -> Response:
        with emu.lock:
            used, limit = emu.api_requests_today(), emu.daily_limit
        return sf_json(
            {
                "DailyApiRequests": {"Max": limit, "Remaining": max(limit - used, 0)},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            }
        )

    @router.get("/sobjects")
    async def describe_global(version: str) -> Response:
        return sf_json(
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [describe_global_entry(o, version) for o in SCHEMA.values()],
            }
        )

    @router.get("/sobjects/{sobject}")
    async def basic_info(version: str, sobject: str) -> Response:
        obj = resolve_object(sobject)
        return sf_json({"objectDescribe": describe_global_entry(obj, version), "recentItems": []})

    @router.get("/sobjects/{sobject}/describe")
    async def describe_object(version: str, sobject: str) -> Response:
        return sf_json(describe(resolve_object(sobject), version))


def _external_value(request: Request) -> str:
    """The external id value as sent (percent-decoded once; ``+`` stays ``+``, as in an org)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    segments = raw.decode("utf-8", "replace").split("/")
    return unquote("/".join(segments[7:]))  # '', services, data, vXX, sobjects, S, Field, value


def _sobject_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.post("/sobjects/{sobject}")
    async def create(request: Request, version: str, sobject: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        return reply_response(rest.create_record(emu, obj, body, version))

    @router.get("/sobjects/{sobject}/{record_id}")
    async def read(request: Request, version: str, sobject: str, record_id: str) -> Response:
        obj = resolve_object(sobject)
        fields = request.query_params.get("fields")
        return reply_response(rest.read_record(emu, obj, record_id, version, fields))

    @router.patch("/sobjects/{sobject}/{record_id}")
    async def update(request: Request, sobject: str, record_id: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        return reply_response(rest.update_record(emu, obj, record_id, body))

    @router.delete("/sobjects/{sobject}/{record_id}")
    async def delete(sobject: str, record_id: str) -> Response:
        return reply_response(rest.delete_record(emu, resolve_object(sobject), record_id))


def _external_id_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.get("/sobjects/{sobject}/{field}/{value:path}")
    async def read_by_external_id(
        request: Request, version: str, sobject: str, field: str
    ) -> Response:
        obj, fields = resolve_object(sobject), request.query_params.get("fields")
        return reply_response(
            rest.read_by_external_id(emu, obj, field, _external_value(request), version, fields)
        )

    @router.patch("/sobjects/{sobject}/{field}/{value:path}")
    async def upsert(request: Request, version: str, sobject: str, field: str) -> Response:
        obj = resolve_object(sobject)
        body = record_body(await json_body(request), obj.name)
        return reply_response(
            rest.upsert_by_external_id(emu, obj, field, _external_value(request), body, version)
        )

    @router.delete("/sobjects/{sobject}/{field}/{value:path}")
    async def delete_by_external_id(
        request: Request, version: str, sobject: str, field: str
    ) -> Response:
        obj = resolve_object(sobject)
        return reply_response(
            rest.delete_by_external_id(emu, obj, field, _external_value(request), version)
        )


def _query_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    async def run(request: Request, version: str, include_deleted: bool) -> Response:
        batch = batch_size(request.headers.get("sforce-query-options"))
        return reply_response(
            rest.run_query(
                emu,
                request.query_params.get("q"),
                version,
                include_deleted=include_deleted,
                batch=batch,
            )
        )

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
        return reply_response(rest.query_more(emu, locator, version, batch))


def _collection_routes(router: APIRouter, emu: SalesforceEmulator) -> None:
    @router.post("/composite/sobjects")
    async def create_many(request: Request) -> Response:
        return sf_json(coll.create_many(emu, await json_body(request)))

    @router.patch("/composite/sobjects")
    async def update_many(request: Request) -> Response:
        return sf_json(coll.update_many(emu, await json_body(request)))

    @router.patch("/composite/sobjects/{sobject}/{field}")
    async def upsert_many(request: Request, version: str, sobject: str, field: str) -> Response:
        return sf_json(coll.upsert_many(emu, version, sobject, field, await json_body(request)))

    @router.delete("/composite/sobjects")
    async def delete_many(request: Request) -> Response:
        params = request.query_params
        flag = params.get("allOrNone", "false").lower() == "true"
        return sf_json(coll.delete_many(emu, params.get("ids"), flag))

    @router.get("/composite/sobjects/{sobject}")
    async def retrieve_many(request: Request, version: str, sobject: str) -> Response:
        obj = resolve_object(sobject)
        ids = coll.split_list(request.query_params.get("ids"))
        fields = coll.split_list(request.query_params.get("fields"))
        if not ids or not fields:
            raise SfError("MISSING_ARGUMENT", "The ids and fields parameters are required")
        with emu.lock:
            return sf_json(coll.retrieve_many(emu, obj, ids, fields, version))
