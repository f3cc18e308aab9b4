"""JSON bodies with exact decimals: money and quantities are sent as JSON numbers, never floats.

`json.dumps` cannot write a `Decimal` as a number; converting to float first rounds (0.1 + 0.2).
`dumps` writes each Decimal's own digits (`Decimal("12.10")` → `12.10`). NaN and infinities are
refused: they are not JSON.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000dec:"
_PLACEHOLDER = re.compile(r'"\\u0000dec:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return f"{_MARK}{value:f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> str:
    """`payload` as JSON text, Decimals as exact numbers, dates/datetimes as ISO strings."""
    text = json.dumps(payload, default=_default, ensure_ascii=False, allow_nan=False)
    return _PLACEHOLDER.sub(r"\1", text)
