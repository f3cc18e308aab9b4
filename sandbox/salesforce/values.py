"""Field values as the REST API (v42.0–v62.0) accepts and returns them.

Incoming JSON values are coerced per field type the way the org's JSON deserializer does: an
empty string is null for text fields, numbers may arrive as numeric strings, currency and other
scaled numbers are rounded half-up to their scale, dates are ``YYYY-MM-DD``. Datetimes are stored
in the API's own format (``2024-01-01T00:00:00.000+0000``, always UTC), which sorts lexically.

"Now" for record stamps is the business clock (`connectors.clock.utcnow`), so a sandbox run as
another day stamps its records on that day.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from connectors.clock import utcnow
from sandbox.salesforce.errors import SfError, dml
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.model import Field

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.{ms}+0000"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)
# Deliberately simple: Salesforce's own check is looser than RFC 5322 but rejects these.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def stamp(moment: dt.datetime) -> str:
    """`moment` in the API's datetime format (UTC, milliseconds, ``+0000``)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime(STAMP_FORMAT.format(ms=f"{utc.microsecond // 1000:03d}"))


def now_stamp() -> str:
    """The current business time in the API's datetime format."""
    return stamp(utcnow())


def parse_stamp(value: str) -> dt.datetime:
    """Parse a datetime in the API format (or any ISO 8601 form with an offset)."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def valid_date(value: str) -> bool:
    """Whether `value` is a real ``YYYY-MM-DD`` date."""
    if not DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _parser_error(f: Field, value: Any) -> SfError:
    kind = {str: "VALUE_STRING", bool: "VALUE_TRUE" if value else "VALUE_FALSE"}.get(
        type(value), "VALUE_NUMBER" if isinstance(value, int | float) else "START_OBJECT"
    )
    target = {
        "double": "double",
        "currency": "double",
        "date": "date",
        "boolean": "boolean",
        "datetime": "datetime",
    }
    return SfError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {target.get(f.type, 'string')} from {kind} value "
        f"{value} or request may be missing a required field",
    )


def _number(f: Field, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _parser_error(f, value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _parser_error(f, value) from None
    if not number.is_finite():
        raise _parser_error(f, value)
    if f.scale is not None:
        number = number.quantize(Decimal(1).scaleb(-f.scale), rounding=ROUND_HALF_UP)
    return float(number)


def _text(f: Field, value: Any) -> str | None:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        value = str(value)
    elif not isinstance(value, str):
        raise _parser_error(f, value)
    if value == "":
        return None  # Salesforce stores an empty text value as null
    if len(value) > f.length:
        raise dml(
            "STRING_TOO_LONG",
            f"{f.display_label}: data value too large: {value[:40]} (max length={f.length})",
            f.name,
        )
    if f.type == "email" and not EMAIL_RE.match(value):
        raise dml(
            "INVALID_EMAIL_ADDRESS", f"{f.display_label}: invalid email address: {value}", f.name
        )
    return str(value)


def _boolean(f: Field, value: Any) -> bool:
    if value is None:
        return False  # checkboxes are never null; null clears them
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _parser_error(f, value)


def coerce(f: Field, value: Any) -> Any:
    """The stored form of `value` for field `f`, or an SfError as the org would answer.

    Args:
        f: the target field.
        value: the JSON value the client sent.
    """
    if f.type == "boolean":
        return _boolean(f, value)
    if value is None:
        return None
    if f.type in ("double", "currency", "int"):
        return _number(f, value)
    if f.type == "date":
        if not isinstance(value, str) or not valid_date(value):
            raise _parser_error(f, value)
        return value
    if f.type == "datetime":
        return _datetime(f, value)
    if f.type in ("reference", "id"):
        if value == "":
            return None
        if not isinstance(value, str):
            raise _parser_error(f, value)
        return _reference_id(f, value)
    if f.type == "picklist":
        text = _text(f, value)
        allowed = [p.value for p in f.picklist]
        if text is not None and allowed and text not in allowed:
            raise dml(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{f.display_label}: bad value for restricted picklist field: {text}",
                f.name,
            )
        return text
    return _text(f, value)


def _datetime(f: Field, value: Any) -> str | None:
    if value == "":
        return None
    if not isinstance(value, str) or not DATETIME_RE.match(value):
        raise _parser_error(f, value)
    try:
        moment = parse_stamp(value)
    except ValueError:
        raise _parser_error(f, value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # Assumption: no offset given means UTC
    return stamp(moment)


def _reference_id(f: Field, value: str) -> str:
    normalized = normalize_id(value)
    if normalized is None:
        raise dml("MALFORMED_ID", f"{f.display_label}: id value of incorrect type: {value}", f.name)
    return normalized
