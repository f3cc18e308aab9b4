"""Named value converters that mapping files may chain (`convert: [strip, "truncate:80"]`).

A converter is a pure function `(value, arg, ctx) -> value`: `arg` is the text after the colon in
the mapping (`truncate:80` → "80"), `ctx` the context the loader passed (e.g. a time zone). `None`
passes through every converter unchanged, so optional fields stay optional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from transforms.canonical import Address, Money

Converter = Callable[[Any, str | None, Mapping[str, Any]], Any]


def _str(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value)


def _strip(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).strip() or None


def _upper(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).upper()


def _lower(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).lower()


def _truncate(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    if arg is None or not arg.isdigit():
        raise ValueError("truncate needs a length, e.g. truncate:80")
    return str(value)[: int(arg)]


def _number(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Decimal (or Money) → JSON number; `arg` = decimal places to round to (default 2)."""
    amount = value.amount if isinstance(value, Money) else Decimal(str(value))
    places = int(arg) if arg else 2
    return float(round(amount, places))


def _local_date(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Aware datetime → `YYYY-MM-DD` in `ctx["timezone"]` (the business's zone; default UTC)."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"local_date needs a datetime, got {type(value).__name__}")
    zone = ZoneInfo(str(ctx.get("timezone") or "UTC"))
    return value.astimezone(zone).date().isoformat()


def _iso_datetime(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"iso_datetime needs a datetime, got {type(value).__name__}")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _street(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Address → its street lines joined by a newline (CRMs keep one multi-line street field)."""
    if not isinstance(value, Address):
        raise ValueError(f"street needs an Address, got {type(value).__name__}")
    return "\n".join(p for p in (value.line1, value.line2) if p) or None


CONVERTERS: dict[str, Converter] = {
    "str": _str,
    "strip": _strip,
    "upper": _upper,
    "lower": _lower,
    "truncate": _truncate,
    "number": _number,
    "local_date": _local_date,
    "iso_datetime": _iso_datetime,
    "street": _street,
}


def convert(name_and_arg: str, value: Any, ctx: Mapping[str, Any]) -> Any:
    """Apply the converter named in `name_and_arg` (`"truncate:80"`) to `value`."""
    name, _, arg = name_and_arg.partition(":")
    if name not in CONVERTERS:
        raise KeyError(f"unknown converter {name!r}; known: {', '.join(sorted(CONVERTERS))}")
    if value is None:
        return None
    return CONVERTERS[name](value, arg or None, ctx)
