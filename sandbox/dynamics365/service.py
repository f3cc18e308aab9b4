"""One Web API request, independent of HTTP framing: used by the routes and by `$batch` parts.

`handle` takes the method, the path below ``/api/data/v9.2/``, the query options, the headers
(lower-case names) and the raw body, and returns a `Reply`. Creates answer 204 with
``OData-EntityId`` (201 + the row with ``Prefer: return=representation``); upserts 204 with
``OData-EntityId`` (200/201 + the row with that preference); deletes 204. Unbound actions:
``FulfillSalesOrder`` and ``CancelSalesOrder`` (``{"OrderClose": {"salesorderid@odata.bind":
...}, "Status": n}``, -1 for the state's default status), ``WhoAmI``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.dynamics365 import rules, writes
from sandbox.dynamics365.addressing import Address, parse_path
from sandbox.dynamics365.errors import ODataError, invalid, query_syntax
from sandbox.dynamics365.query import read
from sandbox.dynamics365.render import (
    Shape,
    context,
    parse_expand,
    parse_select,
    render,
    wants_annotations,
)
from sandbox.dynamics365.schema import TABLES

ORG_ID = "5d3f0c2a-7b1e-4c55-9a0e-000000000365"
USER_ID = "5d3f0c2a-7b1e-4c55-9a0e-0000000a9915"
BU_ID = "5d3f0c2a-7b1e-4c55-9a0e-0000000b0001"


@dataclass
class Reply:
    """Status, headers and JSON body (None: no body) of one request."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Env:
    """Per-request surroundings: the API root URL and the change-tracking retention."""

    root: str
    retention: dt.timedelta


def parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object body, numbers as Decimal (money is never a float)."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise ODataError(400, "0x80048d19", "Error identified in Payload: not valid JSON") from None
    if not isinstance(body, dict):
        raise ODataError(400, "0x80048d19", "Error identified in Payload: expected a JSON object")
    return body


def entity_url(env: Env, entity_set: str, row_id: str) -> str:
    """The ``OData-EntityId`` of a row."""
    return f"{env.root}/{entity_set}({row_id})"


def handle(
    ctx: writes.Ctx,
    env: Env,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    raw: bytes,
) -> Reply:
    """Serve one request, or answer its ODataError."""
    try:
        return _handle(ctx, env, method.upper(), path, query, headers, raw)
    except ODataError as err:
        return Reply(err.status, {}, err.body())


def _shape(address: Address, query: dict[str, str], headers: dict[str, str]) -> Shape:
    assert address.table is not None
    return Shape(
        address.table,
        parse_select(address.table, query.get("$select")),
        parse_expand(address.table, query.get("$expand")),
        wants_annotations(headers.get("prefer", "")),
    )


def _handle(
    ctx: writes.Ctx,
    env: Env,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    raw: bytes,
) -> Reply:
    address = writes.target_of(ctx, path)
    if address.table is None:
        return _unbound(ctx, env, method, address.name, raw)
    if address.rest:
        raise query_syntax(f"navigation below {address.name}(...) is not supported")
    table = address.table
    prefer = headers.get("prefer", "")
    representation = "return=representation" in prefer.lower()
    if method == "GET":
        shape = _shape(address, query, headers)
        if not address.keyed:
            result = read(ctx.store, shape, query, prefer, env.root, env.retention)
            return Reply(200, result.headers, result.body)
        row = writes.locate(ctx, address)
        if row is None:
            raise writes.missing(address)
        body = {"@odata.context": context(env.root, table, shape.select, single=True)}
        body.update(render(ctx.store, shape, row))
        return Reply(200, {"ETag": body["@odata.etag"]}, body)
    if method == "POST" and not address.keyed:
        row = writes.create(ctx, table, parse_body(raw))
        return _written(ctx, env, address, query, headers, row, 201 if representation else 204)
    if method == "PATCH" and address.keyed:
        row, created = writes.upsert(ctx, address, parse_body(raw), headers)
        status = (201 if created else 200) if representation else 204
        return _written(ctx, env, address, query, headers, row, status)
    if method == "DELETE" and address.keyed:
        writes.delete(ctx, address)
        return Reply(204)
    raise ODataError(
        405, "0x80060888", f"The requested resource does not support http method '{method}'."
    )


def _written(
    ctx: writes.Ctx,
    env: Env,
    address: Address,
    query: dict[str, str],
    headers: dict[str, str],
    row: dict[str, Any],
    status: int,
) -> Reply:
    assert address.table is not None
    table = address.table
    url = entity_url(env, table.entity_set, row[table.key])
    out = {"OData-EntityId": url}
    if status == 204:
        return Reply(204, out)
    shape = _shape(address, query, headers)
    body = {"@odata.context": context(env.root, table, shape.select, single=True)}
    body.update(render(ctx.store, shape, row))
    out["Preference-Applied"] = "return=representation"
    if status == 201:
        out["Location"] = url
    return Reply(status, out, body)


def _unbound(ctx: writes.Ctx, env: Env, method: str, name: str, raw: bytes) -> Reply:
    if name == "WhoAmI" and method == "GET":
        return Reply(
            200,
            {},
            {
                "@odata.context": f"{env.root}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
                "BusinessUnitId": BU_ID,
                "UserId": USER_ID,
                "OrganizationId": ORG_ID,
            },
        )
    actions = {"FulfillSalesOrder": 3, "CancelSalesOrder": 2}
    if name not in actions:
        raise ODataError(404, "0x80060888", f"Resource not found for the segment '{name}'.")
    if method != "POST":
        raise ODataError(405, "0x80060888", f"{name} is an action: use POST")
    body = parse_body(raw)
    close = body.get("OrderClose")
    status = body.get("Status")
    if not isinstance(close, dict) or not isinstance(status, int | Decimal):
        raise invalid(f"{name} needs OrderClose (an orderclose with salesorderid) and Status")
    ref = close.get("salesorderid@odata.bind")
    if not isinstance(ref, str):
        raise invalid(f"{name}: OrderClose needs salesorderid@odata.bind")
    address = parse_path(writes.resolve_ref(ctx, ref).lstrip("/"))
    if address.table is not TABLES["salesorders"] or not address.keyed:
        raise invalid(f"{name}: OrderClose.salesorderid must reference a salesorder")
    order = writes.locate(ctx, address)
    if order is None:
        raise writes.missing(address)
    rules.close_order(ctx.store, order["salesorderid"], actions[name], int(status))
    return Reply(204)
