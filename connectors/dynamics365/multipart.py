"""Parsing a `$batch` answer (pure): multipart/mixed parts back to one `BatchResult` per request.

The answer holds one part per top-level part sent, in order: an ``application/http`` response,
or for a changeset a nested ``multipart/mixed`` of its responses (matched by ``Content-ID``, else
by position). A changeset that failed answers with its single error response instead: every
member gets a failed result (the failing one its own error, the others "rolled back"). Parts
missing from the answer (processing stopped early, without ``odata.continue-on-error``) are
results with status 424 and code ``NotProcessed`` (the spec is silent on how such requests are
answered; they were not applied).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.dynamics365.batch import BatchRequest, BatchResult, Unit
from connectors.http import error_code, error_message, redact_text

NOT_PROCESSED = 424
_GUID_IN_PARENS = re.compile(
    r"\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)\s*$"
)
_BOUNDARY = re.compile(r'boundary="?([^";,\s]+)"?', re.IGNORECASE)
_FIELD_PATTERNS = (
    re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' attribute"),
    re.compile(r"attribute '([A-Za-z_][A-Za-z0-9_]*)'"),
    re.compile(r"property named '([A-Za-z_][A-Za-z0-9_@.]*)'"),
    re.compile(r"property '([A-Za-z_][A-Za-z0-9_@.]*)'"),
    re.compile(r"field '([A-Za-z_][A-Za-z0-9_]*)'"),
)


@dataclass(frozen=True)
class Part:
    """One parsed response part: status, lower-case headers, MIME headers, raw body."""

    status: int
    headers: dict[str, str]
    mime: dict[str, str]
    body: bytes


def boundary_of(content_type: str) -> str | None:
    """The ``boundary`` parameter of a multipart Content-Type."""
    match = _BOUNDARY.search(content_type)
    return match.group(1) if match else None


def _split_head(block: bytes) -> tuple[bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = block.partition(sep)
        if found:
            return head, rest
    return block, b""


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The parts between ``--boundary`` delimiters (preamble and epilogue dropped)."""
    delimiter = b"--" + boundary.encode("ascii")
    parts: list[bytes] = []
    for segment in body.split(delimiter)[1:]:
        if segment.startswith(b"--"):
            break
        if segment.startswith(b"\r\n"):
            segment = segment[2:]
        elif segment.startswith(b"\n"):
            segment = segment[1:]
        if segment.endswith(b"\r\n"):
            segment = segment[:-2]
        elif segment.endswith(b"\n"):
            segment = segment[:-1]
        parts.append(segment)
    return parts


def parse_http_part(block: bytes) -> Part:
    """An ``application/http`` part: MIME headers, then ``HTTP/1.1 <status> ...``, headers, body.

    Raises:
        ValueError: there is no status line.
    """
    mime_head, message = _split_head(block)
    head, body = _split_head(message)
    status_line, _, header_lines = head.partition(b"\n")
    words = status_line.decode("ascii", "replace").split()
    if len(words) < 2 or not words[0].startswith("HTTP/") or not words[1].isdigit():
        raise ValueError("a batch part has no HTTP status line")
    return Part(int(words[1]), _headers(header_lines), _headers(mime_head), body)


def parse_batch(body: bytes, content_type: str) -> list[Part | list[Part]]:
    """The top-level parts of a batch answer: a `Part`, or a changeset's list of parts.

    Raises:
        ValueError: the body is not multipart or a part cannot be read.
    """
    boundary = boundary_of(content_type)
    if boundary is None:
        raise ValueError("the batch answer is not multipart")
    out: list[Part | list[Part]] = []
    for block in split_multipart(body, boundary):
        mime_head, rest = _split_head(block)
        mime = _headers(mime_head)
        kind = mime.get("content-type", "")
        if kind.lower().startswith("multipart/mixed"):
            inner = boundary_of(kind)
            if inner is None:
                raise ValueError("a changeset answer has no boundary")
            out.append([parse_http_part(b) for b in split_multipart(rest, inner)])
        else:
            out.append(parse_http_part(block))
    return out


def _json(body: bytes) -> Any:
    text = body.strip()
    if not text:
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text.decode("utf-8", "replace")


def error_field(message: str | None) -> str | None:
    """The column a Dataverse error message names (``'subject' attribute``...), if any."""
    for pattern in _FIELD_PATTERNS:
        if message and (match := pattern.search(message)):
            return match.group(1)
    return None


def entity_id_of(headers: dict[str, str]) -> str | None:
    """The GUID at the end of ``OData-EntityId`` (or ``Location``)."""
    for name in ("odata-entityid", "location"):
        if (value := headers.get(name)) and (match := _GUID_IN_PARENS.search(value)):
            return match.group(1).lower()
    return None


def result_of(ref: Any, part: Part, note: str = "") -> BatchResult:
    """The `BatchResult` of one response part."""
    body = _json(part.body)
    if 200 <= part.status < 300:
        return BatchResult(
            ref, part.status, entity_id_of(part.headers), body, None, None, part.headers
        )
    text = part.body.decode("utf-8", "replace")
    message = redact_text(error_message(body, text)) or f"HTTP {part.status}"
    if note:
        message = f"{note}: {message}"
    return BatchResult(
        ref, part.status, None, body, error_code(body), message, part.headers, error_field(message)
    )


def _not_processed(ref: Any) -> BatchResult:
    return BatchResult(
        ref,
        NOT_PROCESSED,
        None,
        None,
        "NotProcessed",
        "not processed: the batch stopped at an earlier failure",
    )


def results(
    requests: Sequence[BatchRequest],
    units: Sequence[Unit],
    ids: dict[int, str],
    parts: Sequence[Part | list[Part]],
) -> dict[int, BatchResult]:
    """Map the answer's parts back to the requests of `units` (index -> result)."""
    out: dict[int, BatchResult] = {}
    for n, unit in enumerate(units):
        answer = parts[n] if n < len(parts) else None
        if answer is None:
            out.update({i: _not_processed(requests[i].ref) for i in unit.indexes})
        elif isinstance(answer, list):
            by_id = {p.mime.get("content-id") or p.headers.get("content-id"): p for p in answer}
            for k, i in enumerate(unit.indexes):
                part = by_id.get(ids.get(i)) or (answer[k] if k < len(answer) else None)
                out[i] = (
                    result_of(requests[i].ref, part) if part else _not_processed(requests[i].ref)
                )
        elif not unit.changeset:
            out[unit.indexes[0]] = result_of(requests[unit.indexes[0]].ref, answer)
        else:  # the changeset failed as a whole: its one error answers every member
            failing = answer.mime.get("content-id") or answer.headers.get("content-id")
            for i in unit.indexes:
                own = failing is not None and ids.get(i) == failing
                note = "" if own else "rolled back with its changeset"
                out[i] = result_of(requests[i].ref, answer, note)
    return out
