"""HTTP routes of the Web API: ``{API_ROOT}/-/{COMPANY}/{MODULE}/{Resource}[(key)]``.

Every request first needs ``Content-Type: application/json`` (else HTTP 500, as the Developer
Reference warns), then HTTP Basic credentials of a Sage user (ADMIN/ADMIN; user ids ignore case;
else 401 Unauthorized). The company must be SAMINC (else 404 ResourceNotFound) and the resource
must live in the module of the URL. Lists: ``{"odata.context", ["odata.count": "N",] "value"}``,
at most `PAGE_SIZE` (100) rows per request whatever ``$top`` asks (page with ``$skip``; no next
link, as the reference describes). Entries: the record with its details (``odata.context`` too).
POST answers 201 with the inserted entry (generated keys included) and a Location header;
``Resource('$template')`` POST answers 200 with the defaults; PUT/PATCH/DELETE answer 204.
Routes are registered per resource (collection and keyed), so the request counters tell them
apart; the rest of ``API_ROOT`` answers ResourceNotFound.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import sqlite3
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response

from connectors.http.jsonx import dumps
from sandbox.sage300 import batches, orders, service
from sandbox.sage300.constants import API_ROOT, COMPANY, PAGE_SIZE, PASSWORD, USER
from sandbox.sage300.errors import SageError, bad_parameters, bad_payload, error_body, not_found
from sandbox.sage300.odata import TEMPLATE, parse_key, parse_query, sort_key
from sandbox.sage300.resources import RESOURCES, Resource, key_values, render, template

if TYPE_CHECKING:
    from sandbox.sage300.emulator import Sage300Emulator

log = logging.getLogger(__name__)
JSON = "application/json; charset=utf-8"
_PATH = re.compile(
    r"^/-/(?P<company>[^/]+)/(?P<module>[^/]+)/(?P<resource>[^/(]+)(?:\((?P<key>.*)\))?/?$"
)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(dumps(body), status_code=status, media_type=JSON, headers=headers)


def error_reply(err: SageError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="Sage300WebApi"'} if err.status == 401 else None
    return reply(err.body(), err.status, headers)


def check_content_type(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise SageError(
            "InternalServerError",
            "An error has occurred. Requests must send the header Content-Type: application/json.",
        )


def check_auth(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    ok = False
    if scheme.lower() == "basic" and encoded:
        try:
            user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        ok = user.upper() == USER and password == PASSWORD
    if not ok:
        raise SageError("Unauthorized", "Invalid credentials.")


def parse_body(raw: bytes) -> Any:
    if not raw.strip():
        raise bad_payload("The request needs an entry payload.")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise bad_payload("The payload is not valid JSON.") from None


def _check_field(resource: Resource) -> Any:
    names = {f.name for f in resource.entity.fields} | {d.name for d in resource.entity.details}

    def check(name: str) -> str:
        name = resource.entity.aliases.get(name, name)
        if name not in names:
            raise bad_parameters(
                f"Could not find a property named '{name}' on type '{resource.entity.type_name}'."
            )
        return name

    return check


class Api:
    """Dispatch of one request (the emulator's lock is held by the caller)."""

    def __init__(self, emu: Sage300Emulator, request: Request, raw: bytes) -> None:
        self.emu = emu
        self.request = request
        self.raw = raw
        self.base = str(request.base_url).rstrip("/")

    def context(self, resource: Resource, entry: bool = False) -> str:
        url = f"{self.base}{API_ROOT}/-/{COMPANY}/{resource.module}/$metadata#{resource.name}"
        return url + ("/@Element" if entry else "")

    def entry(self, resource: Resource, row: dict[str, Any], select: Any = None) -> dict[str, Any]:
        body = render(self.emu.db, resource.entity, row, select=select)
        return {"odata.context": self.context(resource, entry=True), **body}

    def list(self, resource: Resource) -> Response:
        check = _check_field(resource)
        pairs = list(self.request.query_params.multi_items())
        q = parse_query(pairs, check)
        db = self.emu.db
        entity = resource.entity
        stored = db.select(entity.table)
        headers = [(row, render(db, entity, row, details=False)) for row in stored]
        if q.filter is not None:
            predicate = q.filter
            headers = [(row, h) for row, h in headers if predicate(h)]
        for name, desc in reversed(q.orderby or []):

            def by(pair: tuple[Any, dict[str, Any]], n: str = name) -> tuple[int, Any]:
                return sort_key(pair[1].get(n))

            headers.sort(key=by, reverse=desc)
        total = len(headers)
        size = min(q.top if q.top is not None else PAGE_SIZE, PAGE_SIZE)
        page = headers[q.skip : q.skip + size]
        body: dict[str, Any] = {"odata.context": self.context(resource)}
        if q.count:
            body["odata.count"] = str(total)
        body["value"] = [render(db, entity, row, select=q.select) for row, _ in page]
        return reply(body)

    def key_of(self, resource: Resource, text: str) -> dict[str, Any] | str:
        fields = [(f.name, f.col.kind != "char") for f in resource.entity.key_fields()]
        return parse_key(text, fields)

    def handle(self, method: str, resource: Resource, key_text: str | None) -> Response:
        emu = self.emu
        ctx = emu.ctx()
        if method not in resource.verbs:
            raise SageError(
                "MethodNotAllowed",
                f"The {method} request is not supported by the {resource.name} resource.",
            )
        key = self.key_of(resource, key_text) if key_text is not None else None
        if key == TEMPLATE:
            if method != "POST":
                raise SageError("InvalidAction", "$template is retrieved with a POST.")
            return reply(
                {"odata.context": self.context(resource, entry=True), **template(resource.entity)}
            )
        if method == "GET":
            if key is None:
                return self.list(resource)
            assert isinstance(key, dict)
            select = parse_query(
                list(self.request.query_params.multi_items()), _check_field(resource)
            ).select
            return reply(self.entry(resource, service.lookup(ctx, resource, key), select))
        if method == "POST":
            if key is not None:
                raise SageError(
                    "InvalidAction", "A POST with an entity key must use $template or $process."
                )
            return self._post(resource)
        if key is None:
            raise SageError("InvalidEntityKey", f"A {method} request needs an entity key.")
        assert isinstance(key, dict)
        row = service.lookup(ctx, resource, key)
        if method == "DELETE":
            with emu.db.transaction():
                service.delete_master(ctx, resource, row)
            return reply(None, 204)
        payload = self.payload()
        with emu.db.transaction():
            if resource.name == "ARReceiptAndAdjustmentBatches":
                batches.patch_receipt_batch(ctx, row, payload)
            elif resource.name == "GLJournalBatches":
                batches.patch_journal_batch(ctx, row, payload)
            else:
                service.patch_master(ctx, resource, row, payload, replace=method == "PUT")
        return reply(None, 204)

    def payload(self) -> Any:
        return parse_body(self.raw)

    def _post(self, resource: Resource) -> Response:
        ctx = self.emu.ctx()
        payload = self.payload()
        counters = dict(ctx.counters)
        try:
            with self.emu.db.transaction():
                if resource.name == "OEOrders":
                    row = orders.create_order(ctx, payload)
                elif resource.name == "ARReceiptAndAdjustmentBatches":
                    row = batches.create_receipt_batch(ctx, payload)
                elif resource.name == "GLJournalBatches":
                    row = batches.create_journal_batch(ctx, payload)
                else:
                    row = service.create_master(ctx, resource, payload)
        except BaseException:
            ctx.counters.clear()  # a refused insert uses up no order or shipment number
            ctx.counters.update(counters)
            raise
        keys = key_values(resource.entity, row)
        segment = ",".join(
            f"{k}={v}" if not isinstance(v, str) else f"{k}='{v}'" for k, v in keys.items()
        )
        if len(keys) == 1:
            value = next(iter(keys.values()))
            segment = f"'{value}'" if isinstance(value, str) else str(value)
        location = f"{self.base}{API_ROOT}/-/{COMPANY}/{resource.module}/{resource.name}({segment})"
        return reply(self.entry(resource, row), 201, {"Location": location})


def register_api(app: FastAPI, emu: Sage300Emulator) -> None:
    """The Web API routes (see the module docstring)."""

    async def serve(request: Request) -> Response:
        raw = await request.body()
        try:
            check_content_type(request)
            check_auth(request)
            path = request.scope["path"][len(API_ROOT) :]
            m = _PATH.match(path)
            if m is None:
                raise SageError("ResourceNotFound", "The resource requested does not exist.")
            if m["company"].upper() != COMPANY:
                raise SageError("ResourceNotFound", f"Company '{m['company']}' does not exist.")
            resource = RESOURCES.get(m["resource"])
            if resource is None or resource.module != m["module"].upper():
                raise SageError(
                    "ResourceNotFound", f"The resource '{m['resource']}' does not exist."
                )
            with emu.lock:
                return Api(emu, request, raw).handle(request.method, resource, m["key"])
        except SageError as err:
            return error_reply(err)
        except sqlite3.IntegrityError:
            return error_reply(
                SageError("RecordDuplicate", "A record with the same key already exists.")
            )
        except Exception as exc:  # a bug of the emulator: Sage's 500, the cause in the log
            log.exception("sage300 emulator failed on %s %s", request.method, type(exc).__name__)
            return error_reply(SageError("InternalServerError", "An unexpected error occurred."))

    for resource in RESOURCES.values():
        base = f"{API_ROOT}/-/{{company}}/{resource.module}/{resource.name}"
        app.api_route(base, methods=METHODS)(serve)
        app.api_route(base + "({key})", methods=METHODS)(serve)
    app.api_route(f"{API_ROOT}/{{rest:path}}", methods=METHODS)(serve)


__all__ = ["error_body", "not_found", "register_api"]
