"""Named value converters that mapping files may chain (`convert: [strip, "truncate:80"]`).

A converter is a pure function `(value, arg, ctx) -> value`: `arg` is the text after the colon in
the mapping (`truncate:80` → "80"), `ctx` the context the loader passed (e.g. a time zone). `None`
passes through every converter unchanged, so optional fields stay optional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
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
    """Decimal (or Money) rounded to `arg` places (default 2), still a Decimal: money and
    quantities never become floats (the JSON encoder writes their exact digits)."""
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a float: money and quantities must be Decimal")
    amount = value.amount if isinstance(value, Money) else Decimal(str(value))
    places = int(arg) if arg else 2
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _decimal(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A number as it came (JSON number, text) → Decimal, exactly (a float's shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return Decimal(repr(value) if isinstance(value, float) else str(value))


def _date_utc(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """`YYYY-MM-DD` (a back office's date) → midnight of that day, aware UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    day = dt.date.fromisoformat(str(value)[:10])
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _datetime(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """An ISO 8601 timestamp (Salesforce `2026-11-01T10:00:00.000+0000`) → aware UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _lines(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A multi-line street → line `arg` (1-based) of it, or None."""
    parts = [p.strip() for p in str(value).splitlines() if p.strip()]
    index = int(arg or "1") - 1
    return parts[index] if index < len(parts) else None


def _html(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """HTML → plain text (tags dropped, entities decoded, whitespace collapsed)."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(value))).split()) or None


def _paid(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → what was paid: succeeded sales and captures minus refunds (a Decimal)."""
    total = Decimal("0")
    for p in value or ():
        if p.status.value != "succeeded":
            continue
        if p.kind.value in ("sale", "capture"):
            total += p.amount.amount
        elif p.kind.value == "refund":
            total -= p.amount.amount
    return total


def _payment_state(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → unpaid | authorized | paid | partially_refunded | refunded."""
    done = [p for p in value or () if p.status.value == "succeeded"]
    kinds = {p.kind.value for p in done}
    paid = _paid(done, None, ctx)
    if "refund" in kinds:
        return "refunded" if paid <= 0 else "partially_refunded"
    if kinds & {"sale", "capture"}:
        return "paid"
    return "authorized" if "authorization" in kinds else "unpaid"


def _last_reference(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → the gateway reference of the last succeeded one."""
    refs = [p.reference for p in value or () if p.status.value == "succeeded" and p.reference]
    return refs[-1] if refs else None


def _join(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A list of texts → one text joined by `arg` (default ", "), None when empty."""
    items = [str(v) for v in value or () if v]
    return (arg if arg is not None else ", ").join(items) or None


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


def _us_date(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Aware datetime → `mm/dd/yyyy` in `ctx["timezone"]` (Shift4Shop's ShipmentShippedDate)."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"us_date needs a datetime, got {type(value).__name__}")
    zone = ZoneInfo(str(ctx.get("timezone") or "UTC"))
    return value.astimezone(zone).strftime("%m/%d/%Y")


def _negate(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A flag → its opposite (`active` → `Hide`)."""
    return not bool(value)


CONVERTERS: dict[str, Converter] = {
    "us_date": _us_date,
    "negate": _negate,
    "str": _str,
    "strip": _strip,
    "upper": _upper,
    "lower": _lower,
    "truncate": _truncate,
    "number": _number,
    "local_date": _local_date,
    "iso_datetime": _iso_datetime,
    "street": _street,
    "decimal": _decimal,
    "date_utc": _date_utc,
    "datetime": _datetime,
    "line": _lines,
    "html_text": _html,
    "paid": _paid,
    "payment_state": _payment_state,
    "last_reference": _last_reference,
    "join": _join,
}


def convert(name_and_arg: str, value: Any, ctx: Mapping[str, Any]) -> Any:
    """Apply the converter named in `name_and_arg` (`"truncate:80"`) to `value`."""
    name, _, arg = name_and_arg.partition(":")
    if name not in CONVERTERS:
        raise KeyError(f"unknown converter {name!r}; known: {', '.join(sorted(CONVERTERS))}")
    if value is None:
        return None
    return CONVERTERS[name](value, arg or None, ctx)
