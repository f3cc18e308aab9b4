"""Outcomes of BigCommerce writes, one per item, and messages that name the item and field.

V3 batch writes answer `{"data": [...]}` (200), `{"data", "errors", "meta"}` (207: saved, some
parts not) or a problem object for the whole batch (`{"status": 422, "title", "errors":
{"field.path": "message"}}`). Messages name the record and the fields; whatever text the store
quotes is redacted (it may carry the e-mail that was refused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.bigcommerce.resources import SYSTEM
from connectors.http.redaction import redact_text

_INDEX = re.compile(r"^\.?\[?(\d+)\]?(?:\.|$)")


@dataclass(frozen=True)
class WriteResult:
    """One item of a write: which record, its outcome, the id BigCommerce gave it.

    Attributes:
        key: the item as the caller knows it (`bigcommerce:customer:12`, or its e-mail-free
            position `#3` in the request when it has no id yet).
        status: the HTTP status that decided the item (200, 207, 409, 413, 422, ...).
        id: the record's BigCommerce id (new records: the id it was created with).
        error_class: ``None`` when the write succeeded, else e.g. ``RecordError``.
        message: what went wrong, naming the item and the field (no values).
        data: the record as BigCommerce answered it, when it did.
    """

    key: str
    status: int
    id: int | None = None
    error_class: str | None = None
    message: str = ""
    data: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error_class is None and 200 <= self.status < 300


def item_key(entity: str, item: Mapping[str, Any], position: int) -> str:
    """`bigcommerce:<entity>:<id>` for an item with an id, else its position `#<n>`."""
    rid = item.get("id")
    return f"{SYSTEM}:{entity}:{rid}" if rid not in (None, "") else f"{SYSTEM}:{entity}:#{position}"


def field_errors(body: Any) -> dict[str, str]:
    """`errors` of a V3 problem object (`{"field.path": "message"}`), or of a V2 array."""
    if isinstance(body, list):
        return {
            str(i): str(e.get("message", "")) for i, e in enumerate(body) if isinstance(e, dict)
        }
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, Mapping):
            return {str(k): str(v) for k, v in errors.items()}
    return {}


def title_of(body: Any, fallback: str) -> str:
    """The problem's title (V3) or first message (V2), redacted."""
    if isinstance(body, Mapping) and body.get("title"):
        return redact_text(str(body["title"]))
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        return redact_text(str(body[0].get("message") or fallback))
    return fallback


def indexed_errors(errors: Mapping[str, str]) -> dict[int, dict[str, str]]:
    """Errors whose path starts with an item index (`0.email`, `[1].sku`), by index."""
    out: dict[int, dict[str, str]] = {}
    for path, message in errors.items():
        match = _INDEX.match(path)
        if match:
            rest = path[match.end() :] or "(item)"
            out.setdefault(int(match.group(1)), {})[rest] = message
    return out


def describe(key: str, status: int, body: Any, errors: Mapping[str, str] | None = None) -> str:
    """`<key>: <title> (<field>: <message>; ...)`, values redacted."""
    errs = field_errors(body) if errors is None else dict(errors)
    title = title_of(body, f"HTTP {status}")
    parts = "; ".join(f"{k}: {redact_text(v)}" if v else k for k, v in errs.items())
    return f"{key}: {title}" + (f" ({parts})" if parts else "")


def failed(
    key: str, status: int, body: Any, errors: Mapping[str, str] | None = None
) -> WriteResult:
    """A refused item."""
    return WriteResult(key, status, None, "RecordError", describe(key, status, body, errors))
