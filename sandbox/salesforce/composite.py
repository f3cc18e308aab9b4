"""The Composite resource of the emulated org: ``POST /services/data/vXX.X/composite``
(REST API v42.0–v62.0).

Body ``{"allOrNone", "collateSubrequests", "compositeRequest": [{"method", "url",
"referenceId", "body"?, "httpHeaders"?}]}``; answer 200 ``{"compositeResponse": [{"body",
"httpHeaders", "httpStatusCode", "referenceId"}]}`` whatever the subrequests' outcomes. At most
25 subrequests, at most 5 of them queries or sObject Collections. Subrequests run in order (this
emulator never reorders, so ``collateSubrequests`` changes nothing) through the same functions
as the standalone routes (`composite_dispatch`); the whole call counts as one API request.

References ``@{refId.id}``, ``@{refId.field}``, ``@{refId[0].id}`` (Collections results) and
``@{refId.records[0].Id}`` (query results) may appear in a later subrequest's url and body; a
body value that is exactly one reference takes the referenced JSON value, otherwise the value is
interpolated as text. A reference that cannot be resolved (unknown or later referenceId, a failed
subrequest, a missing path) fails that subrequest with 400 ``PROCESSING_HALTED`` "Invalid
reference specified. No value for … found in …".

With ``allOrNone`` a failed subrequest (status ≥ 400, or a Collections subrequest with a failed
record: the composite flag overrides the Collections one, as documented) stops the call, every
write is rolled back, and every other subrequest reports 400 ``PROCESSING_HALTED`` "The
transaction was rolled back since another operation in the same transaction failed."

The 400 status of the other subrequests is documented; the two ``PROCESSING_HALTED`` messages
are the ones orgs are reported to answer (Assumption: exact wording, body as an error array).

Assumptions: over-limit calls are refused with 400 ``LIMIT_EXCEEDED`` (the documented limits,
undocumented code and wording); a malformed body or subrequest (missing method/url/referenceId)
is 400 ``JSON_PARSER_ERROR``; a malformed or repeated referenceId is 400 ``INVALID_INPUT``;
``httpHeaders`` of a subrequest are accepted and ignored; a reference must resolve to a scalar.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from sandbox.salesforce.composite_dispatch import dispatch, parse_url
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.rest import Reply, error_reply
from sandbox.salesforce.web import json_body, sf_json

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

MAX_SUBREQUESTS, MAX_QUERIES_OR_COLLECTIONS = 25, 5
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
ROLLED_BACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


class _Rollback(Exception):
    pass


class Unresolved(SfError):
    """A reference to a value no earlier subrequest produced."""

    def __init__(self, text: str, ref: str) -> None:
        """Name the reference (`text`, e.g. ``refAccount.id``) and its referenceId."""
        super().__init__(
            "PROCESSING_HALTED", f"Invalid reference specified. No value for {text} found in {ref}"
        )


def _subrequests(data: Any) -> tuple[bool, list[dict[str, Any]]]:
    """``(allOrNone, subrequests)`` of a Composite body, checked against the limits."""
    items = data.get("compositeRequest") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise SfError(
            "JSON_PARSER_ERROR",
            "Cannot deserialize the request body: expected "
            '{"allOrNone": boolean, "compositeRequest": [...]}',
        )
    if len(items) > MAX_SUBREQUESTS:
        raise SfError(
            "LIMIT_EXCEEDED",
            f"Limit exceeded: a composite request can have at most "
            f"{MAX_SUBREQUESTS} subrequests, got {len(items)}",
        )
    seen: set[str] = set()
    for item in items:
        _check_subrequest(item, seen)
    heavy = sum(parse_kind(item["url"]) in ("query", "collections") for item in items)
    if heavy > MAX_QUERIES_OR_COLLECTIONS:
        raise SfError(
            "LIMIT_EXCEEDED",
            f"Limit exceeded: a composite request can have at most "
            f"{MAX_QUERIES_OR_COLLECTIONS} query or sObject Collections subrequests, "
            f"got {heavy}",
        )
    flag = data.get("allOrNone", False)
    if not isinstance(flag, bool):
        raise SfError(
            "JSON_PARSER_ERROR", f"Cannot deserialize value of type boolean from {flag!r}"
        )
    return flag, items


def _check_subrequest(item: Any, seen: set[str]) -> None:
    if (
        not isinstance(item, dict)
        or not all(isinstance(item.get(k), str) for k in ("method", "url", "referenceId"))
        or item["method"].upper() not in METHODS
    ):
        raise SfError(
            "JSON_PARSER_ERROR",
            "Each subrequest needs a method (GET, POST, PATCH, "
            "PUT or DELETE), a url and a referenceId",
        )
    ref = item["referenceId"]
    if not REFERENCE_ID.match(ref) or ref in seen:
        raise SfError(
            "INVALID_INPUT",
            f"Invalid referenceId '{ref}': it must be unique, start "
            "with a letter or a number and contain only letters, numbers and "
            "underscores ('_')",
        )
    seen.add(ref)


def parse_kind(url: str) -> str:
    """``query``, ``collections`` or ``sobject`` (a URL that does not parse counts as sobject)."""
    try:
        return parse_url(url).kind
    except SfError:
        return "sobject"


def _lookup(bodies: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in bodies:
        raise Unresolved(ref + path, ref)
    value = bodies[ref]
    for name, index in STEP.findall(path):
        if index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        elif name and isinstance(value, dict):
            key = (
                name
                if name in value
                else next((k for k in value if k.lower() == name.lower()), None)
            )
            if key is None:
                raise Unresolved(ref + path, ref)
            value = value[key]
        else:
            raise Unresolved(ref + path, ref)
    if value is None or isinstance(value, dict | list):
        raise Unresolved(ref + path, ref)
    return value


def resolve(value: Any, bodies: dict[str, Any]) -> Any:
    """`value` (a url or body) with every ``@{...}`` reference replaced."""
    if isinstance(value, dict):
        return {k: resolve(v, bodies) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, bodies) for v in value]
    if not isinstance(value, str) or "@{" not in value:
        return value
    whole = REFERENCE.fullmatch(value)
    if whole:
        return _lookup(bodies, whole.group(1), whole.group(2))
    return REFERENCE.sub(lambda m: _text(_lookup(bodies, m.group(1), m.group(2))), value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _failed(reply: Reply) -> bool:
    if reply.status >= 400:
        return True
    return isinstance(reply.body, list) and any(
        isinstance(r, dict) and r.get("success") is False for r in reply.body
    )


def _one(
    emu: SalesforceEmulator, item: dict[str, Any], bodies: dict[str, Any], all_or_none: bool
) -> Reply:
    try:
        url = resolve(item["url"], bodies)
        body = resolve(item.get("body"), bodies)
        return dispatch(emu, item["method"].upper(), parse_url(url), body, all_or_none=all_or_none)
    except SfError as err:
        return error_reply(err)


def _entry(item: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "body": reply.body,
        "httpHeaders": reply.headers,
        "httpStatusCode": reply.status,
        "referenceId": item["referenceId"],
    }


def run(emu: SalesforceEmulator, data: Any) -> dict[str, Any]:
    """Execute a Composite body; the ``{"compositeResponse": [...]}`` answer."""
    all_or_none, items = _subrequests(data)
    replies: list[Reply] = []
    bodies: dict[str, Any] = {}
    with emu.lock:
        try:
            with emu.store.atomic():
                for item in items:
                    reply = _one(emu, item, bodies, all_or_none)
                    replies.append(reply)
                    if _failed(reply) and all_or_none:
                        raise _Rollback
                    if reply.status < 400:
                        bodies[item["referenceId"]] = reply.body
        except _Rollback:
            halted = Reply(400, SfError("PROCESSING_HALTED", ROLLED_BACK).body())
            culprit = len(replies) - 1
            replies = [replies[i] if i == culprit else halted for i in range(len(items))]
    return {"compositeResponse": [_entry(i, r) for i, r in zip(items, replies, strict=True)]}


def register(router: APIRouter, emu: SalesforceEmulator) -> None:
    """Add ``POST /composite`` to the data router."""

    @router.post("/composite")
    async def composite(request: Request) -> Response:
        return sf_json(run(emu, await json_body(request)))
