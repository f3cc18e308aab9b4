"""``POST /api/data/v9.2/$batch``: multipart/mixed requests with atomic changesets.

`shared/docs/backoffice-apis.md` §2.4 and `wire-examples.json` (batch): parts are
``application/http`` requests; a changeset (a nested ``multipart/mixed``) is one transaction,
may not hold a GET, and its parts may carry ``Content-ID: n`` that later parts of the same
changeset reference as ``$n`` (in the URL or an ``@odata.bind``); a reference to an id not yet
declared is 400. At most 1000 requests per batch (changeset parts included): more is 400 and
nothing runs (message assumed; the docs give the limit, not the text). Without ``Prefer:
odata.continue-on-error`` processing stops at the first failing request and the batch answers
400 with the responses so far and that error (the wire example's "400 on the batch"); with it the
batch answers 200 and every part's own status. A failed changeset is rolled back and answers as
one ``application/http`` part: the failing request's error, with its Content-ID (assumption:
that is what Dataverse returns in place of the changeset's responses).

The HTTP layer counts a batch as ONE request; the emulator records each part under its own
counter (`Dynamics365Emulator.batch_parts`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from connectors.http.jsonx import dumps
from sandbox.dynamics365.addressing import relative
from sandbox.dynamics365.errors import ODataError
from sandbox.dynamics365.service import Env, Reply, handle
from sandbox.dynamics365.writes import Ctx

MAX_REQUESTS = 1000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


@dataclass
class Part:
    """One request inside a batch."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None = None


@dataclass
class Group:
    """A top-level item of the batch: one request, or a changeset of several."""

    parts: list[Part] = field(default_factory=list)
    changeset: bool = False


def boundary_of(content_type: str) -> str:
    """The multipart boundary of a Content-Type value, else a 400."""
    m = _BOUNDARY.search(content_type)
    if not m or "multipart/mixed" not in content_type.lower():
        raise ODataError(
            400, "0x80048d19", "$batch needs Content-Type multipart/mixed; boundary=..."
        )
    return m.group(1)


def _split(body: bytes, boundary: str) -> list[bytes]:
    delim = b"--" + boundary.encode()
    chunks = body.split(delim)
    out = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        out.append(chunk.lstrip(b"\r\n") if chunk.startswith((b"\r\n", b"\n")) else chunk)
    return out


def _head(chunk: bytes) -> tuple[dict[str, str], bytes]:
    text = chunk.replace(b"\r\n", b"\n")
    head, _, rest = text.partition(b"\n\n")
    headers = {}
    for line in head.decode("utf-8", "replace").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _request(chunk: bytes) -> Part:
    outer, inner = _head(chunk)
    lines = inner.split(b"\n")
    request_line = lines[0].decode().strip().split(" ")
    if len(request_line) < 2:
        raise ODataError(400, "0x80048d19", "$batch part without a request line")
    headers, body = _head(b"\n".join(lines[1:]) if len(lines) > 1 else b"")
    body = body.rstrip(b"\r\n")
    return Part(request_line[0].upper(), request_line[1], headers, body, outer.get("content-id"))


def parse(body: bytes, content_type: str) -> list[Group]:
    """The batch's groups in order (raises ODataError for a malformed or oversized batch)."""
    groups = []
    for chunk in _split(body, boundary_of(content_type)):
        headers, rest = _head(chunk)
        ctype = headers.get("content-type", "")
        if ctype.lower().startswith("multipart/mixed"):
            parts = [_request(c) for c in _split(rest, boundary_of(ctype))]
            if any(p.method == "GET" for p in parts):
                raise ODataError(400, "0x80048d19", "A changeset cannot contain a GET request.")
            groups.append(Group(parts, changeset=True))
        else:
            groups.append(Group([_request(chunk)]))
    total = sum(len(g.parts) for g in groups)
    if total > MAX_REQUESTS:
        raise ODataError(
            400, "", f"Number of requests in batch request exceeded the limit of {MAX_REQUESTS}."
        )
    return groups


def _http(reply: Reply, content_id: str | None) -> str:
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        head += f"Content-ID: {content_id}\r\n"
    phrase = HTTPStatus(reply.status).phrase
    lines = [f"HTTP/1.1 {reply.status} {phrase}", "OData-Version: 4.0"]
    lines += [f"{k}: {v}" for k, v in reply.headers.items()]
    if reply.body is not None:
        lines.append("Content-Type: application/json; odata.metadata=minimal")
    text = "\r\n".join(lines) + "\r\n\r\n"
    if reply.body is not None:
        text += dumps(reply.body)
    return f"{head}\r\n{text}\r\n"


class _Abort(Exception):
    def __init__(self, reply: Reply, content_id: str | None) -> None:
        super().__init__("changeset failed")
        self.reply, self.content_id = reply, content_id


def execute(
    ctx: Ctx,
    env: Env,
    groups: list[Group],
    continue_on_error: bool,
    on_part: Callable[[str, str], None],
) -> tuple[int, str, str]:
    """Run the groups; returns (status, response Content-Type, multipart body)."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    out: list[str] = []
    failed = False

    def run(part: Part, refs: dict[str, str]) -> Reply:
        split = urlsplit(part.url)
        path = relative(split.path if split.scheme else part.url.split("?", 1)[0], env.root)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        on_part(part.method, path)
        return handle(Ctx(ctx.store, refs), env, part.method, path, query, part.headers, part.body)

    for group in groups:
        if not group.changeset:
            reply = run(group.parts[0], {})
            out.append(_http(reply, group.parts[0].content_id))
            failed = reply.status >= 400
        else:
            refs: dict[str, str] = {}
            cs = f"changesetresponse_{uuid.uuid4()}"
            answers = []
            try:
                with ctx.store.atomic():
                    for part in group.parts:
                        reply = run(part, refs)
                        if reply.status >= 400:
                            raise _Abort(reply, part.content_id)
                        entity = reply.headers.get("OData-EntityId", "")
                        if part.content_id and entity:
                            refs[part.content_id] = relative(entity, env.root)
                        answers.append(f"--{cs}\r\n" + _http(reply, part.content_id))
                out.append(
                    f"Content-Type: multipart/mixed; boundary={cs}\r\n\r\n"
                    + "".join(answers)
                    + f"--{cs}--\r\n"
                )
                failed = False
            except _Abort as abort:
                out.append(_http(abort.reply, abort.content_id))
                failed = True
        if failed and not continue_on_error:
            break
    body = "".join(f"--{boundary}\r\n{p}" for p in out) + f"--{boundary}--\r\n"
    status = 400 if failed and not continue_on_error else 200
    return status, f"multipart/mixed; boundary={boundary}", body
