"""`$batch` requests: what a batch carries, how it is planned, packed and encoded (pure).

A `BatchRequest` is one Web API request inside a batch. Requests that must succeed or fail
together go in one **changeset** (atomic; OData ``Content-ID`` with ``$n`` references): those
sharing an `atomic` group, and those linked by ``$n`` references (a line binding
``"salesorderid@odata.bind": "$1"`` joins the changeset of the request with Content-ID 1). Every
other request is an independent top-level part; the batch is sent with
``Prefer: odata.continue-on-error`` so one failure does not stop the rest. A changeset sits where
its first request is; GETs never go in one (the platform refuses them there).

Batches hold at most `resources.BATCH_MAX` (1000) requests and a changeset is never split
across batches. Parsing the answer lives in `multipart`; sending in `client`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.dynamics365 import resources

CRLF = "\r\n"
ENTRY_CONTENT = "application/json; type=entry"  # as in the documented batch example
_REF = re.compile(r"^\$([A-Za-z0-9_.-]+)(?:/.*)?$")
_MARK = "\u0000dec:"
_PLACEHOLDER = re.compile(r'"\\u0000dec:(-?[0-9]+(?:\.[0-9]+)?)"')


@dataclass(frozen=True)
class BatchRequest:
    """One request of a `$batch`.

    Attributes:
        method: GET, POST, PATCH, PUT or DELETE.
        url: relative to the Web API root (``salesorders(storebridge_id='s-1')``), an absolute
            URL, or a ``$n`` reference (``$1/order_details``).
        body: the JSON body (Decimals are written exactly).
        headers: extra headers of the request (``If-Match: *``, ``Prefer``...).
        content_id: its ``Content-ID``, for ``$n`` references of later requests.
        ref: the caller's handle (a record id), handed back on its `BatchResult`.
        atomic: requests with the same group go in one changeset (all or nothing).
    """

    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None
    content_id: str | None = None
    ref: Any = None
    atomic: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """The answer to one `BatchRequest` (one per request, in the order sent).

    Attributes:
        ref: the request's `ref`.
        status: the part's HTTP status (a rolled-back changeset member carries its changeset's).
        entity_id: the row's GUID from ``OData-EntityId`` (or ``Location``) when it names one.
        body: the part's JSON body (numbers as Decimal), if any.
        error_code: Dataverse's ``error.code`` (hex string, often empty) of a failed part.
        message: the error message of a failed part (redacted).
        headers: the part's response headers (lower-case names).
        field: the column a validation message names, when it names one.
    """

    ref: Any
    status: int
    entity_id: str | None = None
    body: Any = None
    error_code: str | None = None
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    field: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the part succeeded (2xx)."""
        return 200 <= self.status < 300


@dataclass
class Unit:
    """A top-level part of a batch: one request, or the indexes of one changeset."""

    indexes: list[int]
    changeset: bool


def references(request: BatchRequest) -> set[str]:
    """The Content-IDs a request refers to (``$n`` in its URL or in its body's strings)."""
    found: set[str] = set()
    if match := _REF.match(request.url):
        found.add(match.group(1))
    stack: list[Any] = [request.body]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if match := _REF.match(item):
                found.add(match.group(1))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def plan(requests: Sequence[BatchRequest], *, changesets: bool = True) -> list[Unit]:
    """Group `requests` into top-level parts (see the module docstring).

    Raises:
        ValueError: a ``$n`` reference to no earlier request, a duplicate Content-ID, a GET in a
            changeset, or references while `changesets` is off.
    """
    ids: dict[str, int] = {}
    parent = list(range(len(requests)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    groups: dict[str, int] = {}
    for i, request in enumerate(requests):
        for ref in references(request):
            if ref not in ids:
                raise ValueError(f"request {i} refers to ${ref}, which no earlier request declares")
            if not changesets:
                raise ValueError("$n references need changesets")
            parent[root(i)] = root(ids[ref])
        if request.atomic is not None and changesets:
            if request.atomic in groups:
                parent[root(i)] = root(groups[request.atomic])
            else:
                groups[request.atomic] = i
        if request.content_id is not None:
            if request.content_id in ids:
                raise ValueError(f"Content-ID {request.content_id} is declared twice")
            ids[request.content_id] = i
    members: dict[int, list[int]] = {}
    for i in range(len(requests)):
        members.setdefault(root(i), []).append(i)
    units: list[Unit] = []
    for indexes in sorted(members.values(), key=lambda m: m[0]):
        atomic = len(indexes) > 1 or requests[indexes[0]].atomic is not None
        in_changeset = changesets and atomic
        if in_changeset and any(requests[i].method.upper() == "GET" for i in indexes):
            raise ValueError("a GET cannot be part of a changeset")
        units.append(Unit(indexes, in_changeset))
    return units


def pack(units: Sequence[Unit], max_requests: int) -> Iterator[list[Unit]]:
    """Consecutive units in batches of at most `max_requests` requests (changesets whole).

    Raises:
        ValueError: one changeset alone holds more than `max_requests` requests.
    """
    batch: list[Unit] = []
    size = 0
    for unit in units:
        n = len(unit.indexes)
        if n > max_requests:
            raise ValueError(f"a changeset of {n} requests exceeds the batch maximum")
        if batch and size + n > max_requests:
            yield batch
            batch, size = [], 0
        batch.append(unit)
        size += n
    if batch:
        yield batch


def compact_json(payload: Any) -> str:
    """Compact JSON with Decimals as exact numbers (floats refused: they are inexact)."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"{value} is not a JSON number")
            return f"{_MARK}{value:f}"
        if hasattr(value, "isoformat"):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(
        payload, default=default, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return _PLACEHOLDER.sub(r"\1", text)


def request_target(url: str, api_path: str) -> str:
    """The request-target of a part: ``$n`` references and absolute URLs as given, else the
    absolute path under the Web API root (``/api/data/v9.2/salesorders``)."""
    if url.startswith(("$", "http://", "https://", "/")):
        return url
    return api_path.rstrip("/") + "/" + url


def encode_part(request: BatchRequest, api_path: str, content_id: str | None) -> str:
    """One ``application/http`` part (MIME headers, request line, headers, body)."""
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += [
        "",
        f"{request.method.upper()} {request_target(request.url, api_path)} "
        f"{resources.HTTP_VERSION}",
    ]
    headers = dict(request.headers or {})
    if request.body is not None and not any(k.lower() == "content-type" for k in headers):
        headers = {"Content-Type": ENTRY_CONTENT, **headers}
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("")
    body = compact_json(request.body) if request.body is not None else ""
    return CRLF.join(lines) + CRLF + body + CRLF


def content_ids(requests: Sequence[BatchRequest], units: Sequence[Unit]) -> dict[int, str]:
    """The Content-ID of each changeset member: its own, else a number no request declares."""
    taken = {r.content_id for r in requests if r.content_id is not None}
    numbers = [int(c) for c in taken if c.isdigit()]
    counter = max(numbers, default=0)
    out: dict[int, str] = {}
    for unit in units:
        for i in unit.indexes:
            own = requests[i].content_id
            if own is not None:
                out[i] = own
            elif unit.changeset:
                counter += 1
                while str(counter) in taken:
                    counter += 1
                out[i] = str(counter)
    return out


def encode_batch(
    requests: Sequence[BatchRequest],
    units: Sequence[Unit],
    api_path: str,
    new_boundary: Callable[[str], str],
) -> tuple[str, str]:
    """The multipart/mixed body of one batch and its Content-Type header value.

    Args:
        requests: every request of the call (units index into it).
        units: the units of this batch.
        api_path: the absolute path of the Web API root (``/api/data/v9.2/``).
        new_boundary: returns a boundary for a kind (``batch`` or ``changeset``).
    """
    ids = content_ids(requests, units)
    boundary = new_boundary("batch")
    chunks: list[str] = []
    for unit in units:
        if not unit.changeset:
            (i,) = unit.indexes
            chunks.append(f"--{boundary}{CRLF}" + encode_part(requests[i], api_path, ids.get(i)))
            continue
        inner = new_boundary("changeset")
        chunks.append(
            f'--{boundary}{CRLF}Content-Type: multipart/mixed; boundary="{inner}"{CRLF}{CRLF}'
        )
        for i in unit.indexes:
            chunks.append(f"--{inner}{CRLF}" + encode_part(requests[i], api_path, ids[i]))
        chunks.append(f"--{inner}--{CRLF}")
    chunks.append(f"--{boundary}--{CRLF}")
    return "".join(chunks), f'multipart/mixed; boundary="{boundary}"'
