"""Stable hashes of canonical records and one-line descriptions of validation errors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ValidationError


def describe_validation_error(exc: ValidationError, record: str) -> str:
    """One line naming the record and every failing field, e.g.

    ``shift4shop:order:1072: lines.0.quantity: Input should be greater than 0``.
    """
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        parts.append(f"{loc}: {err['msg']}")
    return f"{record}: " + "; ".join(parts)


def stable_json(data: Any) -> str:
    """Canonical JSON text of plain data: sorted keys, no spaces, Decimals as exact text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(*parts: Any) -> str:
    """SHA-256 (hex) of the stable JSON of `parts`."""
    return hashlib.sha256(stable_json(list(parts)).encode()).hexdigest()


def content_hash(model: BaseModel, *, exclude: set[str] | None = None) -> str:
    """A stable SHA-256 of a model's JSON form: equal content, equal hash, on any machine."""
    return digest(model.model_dump(mode="json", exclude=exclude))
