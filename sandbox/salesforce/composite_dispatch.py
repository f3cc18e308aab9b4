"""Routing of one Composite subrequest (REST API v42.0–v62.0) to the resource functions the HTTP
routes use (`rest`, `sobject_collections`): the subrequest runs the same Python code as the
request sent on its own, without an HTTP round trip (and without counting as an API request).

Supported subrequest URLs (under ``/services/data/vXX.X``): ``/sobjects/{S}`` POST,
``/sobjects/{S}/{Id}`` GET/PATCH/DELETE, ``/sobjects/{S}/{ExtField}/{value}`` GET/PATCH/DELETE,
``/composite/sobjects`` POST/PATCH/DELETE, ``/composite/sobjects/{S}/{ExtField}`` PATCH,
``/query?q=`` and ``/queryAll?q=`` GET (and ``/query/{locator}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.salesforce import rest
from sandbox.salesforce import sobject_collections as collections
from sandbox.salesforce.cursors import DEFAULT_BATCH
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.rest import Reply
from sandbox.salesforce.web import VERSIONS, record_body, resolve_object

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

DATA_URL = re.compile(r"^/services/data/v(?P<version>[^/]+)(?P<rest>/.*)?$")


@dataclass(frozen=True)
class Target:
    """A subrequest URL taken apart."""

    version: str
    segments: tuple[str, ...]  # decoded path segments after the version
    raw: tuple[str, ...]  # the same, still percent-encoded
    params: dict[str, str]

    @property
    def kind(self) -> str:
        """``query``, ``collections`` or ``sobject`` (the first two have a per-call limit)."""
        head = self.segments[:2]
        if head[:1] in (("query",), ("queryAll",)):
            return "query"
        if head == ("composite", "sobjects"):
            return "collections"
        return "sobject"


def parse_url(url: str) -> Target:
    """Split a subrequest URL (404 NOT_FOUND when it is not a data URL of a known version)."""
    parts = urlsplit(url)
    match = DATA_URL.match(parts.path.rstrip("/"))
    if match is None or match.group("version") not in VERSIONS:
        raise not_found()
    raw = tuple(s for s in (match.group("rest") or "").split("/") if s)
    params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return Target(match.group("version"), tuple(unquote(s) for s in raw), raw, params)


def _not_allowed(method: str, allowed: str) -> SfError:
    return SfError(
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {allowed}",
        status=405,
    )


def dispatch(
    emu: SalesforceEmulator, method: str, target: Target, body: Any, *, all_or_none: bool
) -> Reply:
    """Run one subrequest; raises SfError like the route it stands for."""
    seg = target.segments
    if target.kind == "query":
        return _query(emu, method, target)
    if target.kind == "collections":
        return _collections(emu, method, target, body, all_or_none)
    if not seg or seg[0] != "sobjects" or len(seg) < 2:
        raise not_found()
    obj = resolve_object(seg[1])
    if len(seg) == 2:
        if method != "POST":
            raise _not_allowed(method, "POST")
        return rest.create_record(emu, obj, record_body(_required(body), obj.name), target.version)
    if len(seg) == 3:
        return _row(emu, method, target, obj, body)
    value = unquote("/".join(target.raw[3:]))
    return _by_external_id(emu, method, target, obj, seg[2], value, body)


def _required(body: Any) -> Any:
    if body is None:
        raise SfError(
            "JSON_PARSER_ERROR",
            "The HTTP entity body is required, but this request has no entity body.",
        )
    return body


def _row(emu: SalesforceEmulator, method: str, target: Target, obj: Any, body: Any) -> Reply:
    record_id = target.segments[2]
    if method == "GET":
        return rest.read_record(emu, obj, record_id, target.version, target.params.get("fields"))
    if method == "PATCH":
        return rest.update_record(emu, obj, record_id, record_body(_required(body), obj.name))
    if method == "DELETE":
        return rest.delete_record(emu, obj, record_id)
    raise _not_allowed(method, "GET, PATCH, DELETE")


def _by_external_id(
    emu: SalesforceEmulator,
    method: str,
    target: Target,
    obj: Any,
    field: str,
    value: str,
    body: Any,
) -> Reply:
    version = target.version
    if method == "GET":
        fields = target.params.get("fields")
        return rest.read_by_external_id(emu, obj, field, value, version, fields)
    if method == "PATCH":
        data = record_body(_required(body), obj.name)
        return rest.upsert_by_external_id(emu, obj, field, value, data, version)
    if method == "DELETE":
        return rest.delete_by_external_id(emu, obj, field, value, version)
    raise _not_allowed(method, "GET, PATCH, DELETE")


def _query(emu: SalesforceEmulator, method: str, target: Target) -> Reply:
    if method != "GET":
        raise _not_allowed(method, "GET")
    if len(target.segments) == 2:
        return rest.query_more(emu, target.segments[1], target.version, DEFAULT_BATCH)
    if len(target.segments) != 1:
        raise not_found()
    return rest.run_query(
        emu,
        target.params.get("q"),
        target.version,
        include_deleted=target.segments[0] == "queryAll",
        batch=DEFAULT_BATCH,
    )


def _collections(
    emu: SalesforceEmulator, method: str, target: Target, body: Any, all_or_none: bool
) -> Reply:
    extra = target.segments[2:]
    if not extra and method == "POST":
        return Reply(
            200, collections.create_many(emu, _required(body), force_all_or_none=all_or_none)
        )
    if not extra and method == "PATCH":
        return Reply(
            200, collections.update_many(emu, _required(body), force_all_or_none=all_or_none)
        )
    if not extra and method == "DELETE":
        flag = all_or_none or target.params.get("allOrNone", "false").lower() == "true"
        return Reply(200, collections.delete_many(emu, target.params.get("ids"), flag))
    if len(extra) == 2 and method == "PATCH":
        return Reply(
            200,
            collections.upsert_many(
                emu,
                target.version,
                extra[0],
                extra[1],
                _required(body),
                force_all_or_none=all_or_none,
            ),
        )
    if len(extra) > 2:
        raise not_found()
    raise _not_allowed(method, "POST, PATCH, DELETE" if not extra else "PATCH")
