"""Write-body parsing and write responses of the Shift4Shop (3dcart) REST API v1 emulator.

Write responses are the documented arrays `[{"Key", "Value", "Status", "Message"}]` with `Status`
a string, one element per item (store-apis.md 2.9). A body that is one object is a single write
(its failure is the HTTP status with an error array); a body that is an array is a batch (per-item
failures inside a 200). Body keys are matched case-insensitively (the schema says `CustomerId`,
live JSON `CustomerID`; ASP.NET binds either). Every validation message names the field.

Assumptions: JSON `null` counts as "not sent"; keys the emulator does not model are ignored (the
real API accepts whole objects); money is rounded half-up to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.seed import CENT
from sandbox.shift4shop.query import DATE_FORMATS, ApiError

UPDATED = "updated successfully"
CREATED = "Created successfully"
DELETED = "deleted successfully"  # Assumption: wording modelled on "updated successfully"
# store-apis.md 2.5: clients send batches of 100; Assumption: the store refuses more.
MAX_BATCH = 100
Parser = Callable[[str, Any], Any]


def written(key: str, value: Any, status: int = 200, message: str = UPDATED) -> dict[str, str]:
    """One Key/Value/Status/Message element (Status is a string, as captured)."""
    shown = "" if value is None else str(value)
    return {"Key": key, "Value": shown, "Status": str(status), "Message": message}


def fold(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with lowercased keys, nested objects too (case-insensitive binding)."""
    return {str(k).lower(): fold(v) if isinstance(v, Mapping) else v for k, v in body.items()}


def lookup(body: Mapping[str, Any], name: str) -> Any:
    """The value at dotted field `name` ("SKUInfo.Price") of a folded body, None if absent."""
    value: Any = body
    for part in name.lower().split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def items_of(body: Any, noun: str) -> tuple[list[Any], bool]:
    """The items of a write body and whether it was a batch (an array).

    Raises:
        ApiError: 400 for anything but an object or a non-empty array of at most `MAX_BATCH`.
    """
    if isinstance(body, dict):
        return [body], False
    if isinstance(body, list) and body:
        if len(body) > MAX_BATCH:
            raise ApiError(400, f"Maximum of {MAX_BATCH} items per request")
        return body, True
    raise ApiError(400, f"Request body must be a {noun} object or an array of them")


def bad(name: str, why: str) -> ApiError:
    """A 400 naming the field."""
    return ApiError(400, f"Invalid value for field '{name}': {why}")


def text(max_len: int | None = None, *, required: bool = False) -> Parser:
    """A string field, at most `max_len` characters, non-blank when `required`."""

    def parse(name: str, raw: Any) -> str:
        if not isinstance(raw, str):
            raise bad(name, "must be a string")
        if required and not raw.strip():
            raise bad(name, "must not be empty")
        if max_len is not None and len(raw) > max_len:
            raise bad(name, f"at most {max_len} characters")
        return raw

    return parse


def integer(minimum: int | None = None, allowed: Iterable[int] | None = None) -> Parser:
    """An integer field (JSON integer or integral number; booleans are refused)."""
    choices = None if allowed is None else frozenset(allowed)

    def parse(name: str, raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw):
            raise bad(name, "must be an integer")
        value = int(raw)
        if minimum is not None and value < minimum:
            raise bad(name, f"must be >= {minimum}")
        if choices is not None and value not in choices:
            raise bad(name, f"must be one of {sorted(choices)}")
        return value

    return parse


def number(minimum: Decimal | None = Decimal("0")) -> Parser:
    """A non-negative number (JSON number, numeric string or Decimal) rounded to the cent."""

    def parse(name: str, raw: Any) -> Decimal:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise bad(name, "must be a number")
        try:
            value = Decimal(str(raw)).quantize(CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise bad(name, "must be a number") from None
        if not value.is_finite() or (minimum is not None and value < minimum):
            raise bad(name, f"must be a number >= {minimum}")
        return value

    return parse


def boolean(name: str, raw: Any) -> bool:
    """A JSON boolean field."""
    if not isinstance(raw, bool):
        raise bad(name, "must be true or false")
    return raw


def country(name: str, raw: Any) -> str:
    """An ISO 3166-1 alpha-2 country code (store-apis.md 2.4), returned uppercase."""
    if not isinstance(raw, str) or len(raw) != 2 or not raw.isalpha():
        raise bad(name, "must be a two-letter ISO country code")
    return raw.upper()


def store_date(tz: ZoneInfo) -> Parser:
    """A store-local "mm/dd/yyyy" (or "mm/dd/yyyy hh:mm:ss") date, "" clears it (→ None)."""

    def parse(name: str, raw: Any) -> dt.datetime | None:
        if not isinstance(raw, str):
            raise bad(name, "must be a string mm/dd/yyyy")
        if not raw.strip():
            return None
        for fmt in DATE_FORMATS:
            try:
                naive = dt.datetime.strptime(raw.strip(), fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=tz).astimezone(dt.UTC)
        raise bad(name, f"{raw!r} is not mm/dd/yyyy")

    return parse


@dataclass(frozen=True)
class Field:
    """A writable field: its API name (dotted when nested), target attribute and parser."""

    name: str
    attr: str
    parse: Parser


def parse_fields(body: Mapping[str, Any], spec: Iterable[Field]) -> dict[str, Any]:
    """Parse every field of `spec` present in folded `body`: attribute → value.

    All fields are parsed before anything is applied, so a bad field changes nothing.

    Raises:
        ApiError: 400 naming the first invalid field.
    """
    values = {}
    for f in spec:
        raw = lookup(body, f.name)
        if raw is not None:
            values[f.attr] = f.parse(f.name, raw)
    return values


def require_some(values: Mapping[str, Any], spec: Iterable[Field]) -> None:
    """Refuse a write that carries none of the writable fields.

    Raises:
        ApiError: 400 listing the writable fields.
    """
    if not values:
        names = ", ".join(f.name for f in spec)
        raise ApiError(400, f"Nothing to update: send at least one of {names}")


def assign(target: Any, values: Mapping[str, Any]) -> set[str]:
    """Set attributes (or keys, for a dict) of `target`; the names whose value changed."""
    changed = set()
    for attr, value in values.items():
        if isinstance(target, dict):
            old, target[attr] = target.get(attr), value
        else:
            old = getattr(target, attr)
            setattr(target, attr, value)
        if old != value:
            changed.add(attr)
    return changed


def run_items(
    items: list[Any],
    key: str,
    ident: Callable[[dict[str, Any]], Any],
    apply: Callable[[Any, dict[str, Any]], dict[str, str]],
) -> list[dict[str, str]]:
    """Apply each item; an `ApiError` becomes that item's failed result element.

    Args:
        items: the body's items.
        key: the result `Key` ("CatalogID", ...).
        ident: item (folded) → its id (may raise `ApiError`, reported with Value "").
        apply: (id, folded item) → the success element.
    """
    results = []
    for item in items:
        if not isinstance(item, dict):
            results.append(written(key, "", 400, "Each item must be an object"))
            continue
        body, item_id = fold(item), None
        try:
            item_id = ident(body)
            results.append(apply(item_id, body))
        except ApiError as exc:
            results.append(written(key, item_id, exc.status, exc.message))
    return results
