"""What every Sage 300 codec module shares: errors, refs, Sage values, store keys, lengths.

**Rows.** The connector (`connectors/sage300/`) hands the codecs database rows as dicts keyed by
upper-case column names, already normalised (CHAR right-stripped, dates as `datetime.date`,
BCD as `Decimal`, booleans as `bool`). The codecs still accept what the database itself returns
(`row()`): space-padded CHAR text, `YYYYMMDD` dates as int/str/Decimal with 0 for "empty",
numbers as text (`'12.5'`, the SQLite ODBC driver's form), booleans as 0/1, so a codec never
depends on which driver read the row. Floats are taken by their shortest repr, never rounded
through binary.

**Errors.** A row that does not make a valid canonical record raises `DecodeError` naming the
record (`sage300:customer:1200`), the canonical field and the Sage column it came from; a
canonical record that does not make a valid payload raises `EncodeError` (a `MappingError`)
naming the store record, the payload field and its Sage column. Values are never quoted in
messages (they may be personal data).

**Store keys.** Orders carry the store record's key in `OrderReference` (`OEORDH.REFERENCE`,
60 characters): `storebridge:<store system>:<store id>` (`store_key`), read back by
`parse_store_key`. It is the look-up key of the order target (a lost answer after a POST is
found by it), so it is never cut: a key that does not fit is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from transforms.canonical import Entity, ExternalRef
from transforms.mapping import FieldMapping, MappingError, load_mapping

SYSTEM = "sage300"
KEY_PREFIX = "storebridge"
KEY_MAX = 60  # OEORDH.REFERENCE String*60
NOON = dt.timedelta(hours=12)  # a date without a time is taken at noon UTC: the same day anywhere
# Sage dictionary types (db/tables-subset.json) of the columns the codecs read: Date columns are
# DECIMAL(9,0) YYYYMMDD (0 = empty), Time columns HHMMSShh.
DATE_COLUMNS = frozenset(
    {
        "AUDTDATE",
        "DATEINAC",
        "DATELASTMN",
        "DATESTART",
        "DATEINACTV",
        "ORDDATE",
        "EXPDATE",
        "QTEXPDATE",
        "COMPDATE",
        "SHIPDATE",
        "SHIDATE",
        "REQUESDATE",
        "DATEACTIVE",
        "LASTUSED",
        "LASTSHIPDT",
        "LASTRCPTDT",
        "SALESTART",
        "SALEEND",
    }
)
TIME_COLUMNS = frozenset({"AUDTTIME"})


class DecodeError(ValueError):
    """A Sage 300 row that does not make a valid canonical record."""


class EncodeError(MappingError):
    """A canonical record that does not make a valid Sage 300 payload (a field too long, a
    required value empty, a lookup without an entry). The message starts with the record."""

    def __init__(
        self,
        record: str,
        mapping: str,
        field: str,
        source: str | tuple[str, ...] | None,
        reason: str,
    ) -> None:
        super().__init__(mapping, field, source, reason)
        self.record = record
        self.args = (f"{record}: {self.args[0]}",)


def ref(entity: Entity, record_id: Any) -> ExternalRef:
    return ExternalRef(system=SYSTEM, entity=entity, id=str(record_id))


def mapping(name: str) -> FieldMapping:
    """`transforms/mappings/sage300/<name>.yaml`."""
    return load_mapping(f"{SYSTEM}/{name}")


# --- Sage values -------------------------------------------------------------------------------
def text(value: Any) -> str | None:
    """CHAR text right-stripped (the database pads it); None when empty."""
    if value is None:
        return None
    out = str(value).rstrip()
    return out or None


def number(value: Any) -> Decimal | None:
    """A BCD/numeric value as an exact Decimal (text, int, Decimal; a float by its repr)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("is not a number") from None


def flag(value: Any) -> bool | None:
    """A Boolean/Integer 0/1 column (bool, int, text, Decimal) as a bool."""
    if value is None or isinstance(value, bool):
        return value
    found = number(value)
    return None if found is None else found != 0


def sage_date(value: Any) -> dt.date | None:
    """A Date column (`date`, YYYYMMDD as int/str/Decimal, 0 = empty; or ISO text) as a date."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, str) and "-" in value:  # an ISO date (a Web API read)
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError("is not a YYYYMMDD date") from None
    found = number(value)
    if found is None or found == 0:
        return None
    digits = f"{int(found):08d}"
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValueError("is not a YYYYMMDD date") from None


def sage_time(value: Any) -> dt.time | None:
    """A Time column (`time`, or HHMMSShh as int/str/Decimal) as a time."""
    if value is None or isinstance(value, dt.time):
        return value
    found = number(value)
    if found is None:
        return None
    digits = f"{int(found):08d}"
    try:
        hh, mm, ss, cc = (int(digits[i : i + 2]) for i in (0, 2, 4, 6))
        return dt.time(hh, mm, ss, cc * 10_000)
    except ValueError:
        raise ValueError("is not a HHMMSShh time") from None


def stamp(date: Any, time: Any, timezone: str = "UTC") -> dt.datetime | None:
    """AUDTDATE + AUDTTIME (the Sage server's local time in `timezone`) as aware UTC."""
    day = sage_date(date)
    if day is None:
        return None
    clock = sage_time(time) or dt.time()
    local = dt.datetime.combine(day, clock, tzinfo=ZoneInfo(timezone or "UTC"))
    return local.astimezone(dt.UTC)


def row(raw: Mapping[str, Any] | BaseModel | None, record: str = f"{SYSTEM}:?") -> dict[str, Any]:
    """One row as the codecs read it: upper-case keys, text right-stripped ('' -> None), Date
    and Time columns as `date` / `time` (see the module docstring)."""
    if raw is None:
        return {}
    data = raw.model_dump() if isinstance(raw, BaseModel) else dict(raw)
    out: dict[str, Any] = {}
    for key, value in data.items():
        column = str(key).upper()
        try:
            if column in DATE_COLUMNS:
                value = sage_date(value)
            elif column in TIME_COLUMNS:
                value = sage_time(value)
            elif isinstance(value, str):
                value = text(value)
        except ValueError as exc:
            raise DecodeError(f"{record}: {column}: {exc}") from None
        out[column] = value
    return out


def row_record(data: Mapping[str, Any], key: str, entity: Entity) -> str:
    return f"{SYSTEM}:{entity.value}:{text(data.get(key))}"


def latest(rows: Any, timezone: str) -> dt.datetime | None:
    """The latest AUDTDATE/AUDTTIME of `rows` (the record's last change), aware UTC."""
    stamps = [stamp(r.get("AUDTDATE"), r.get("AUDTTIME"), timezone) for r in rows if r]
    found = [s for s in stamps if s is not None]
    return max(found) if found else None


# --- store keys --------------------------------------------------------------------------------
def store_key(store: ExternalRef) -> str:
    """`storebridge:<system>:<id>` of a store record (OrderReference, receipt references).

    Raises:
        ValueError: the key is longer than 60 characters (it is never cut: it is a look-up key).
    """
    key = f"{KEY_PREFIX}:{store.system}:{store.id}"
    if len(key) > KEY_MAX:
        raise ValueError(f"the store key has {len(key)} characters, at most {KEY_MAX}")
    return key


def parse_store_key(value: Any, entity: Entity = Entity.ORDER) -> ExternalRef | None:
    """`storebridge:shift4shop:1001` -> the store record's ref (of `entity`); None otherwise."""
    found = text(value)
    if not found:
        return None
    prefix, _, rest = found.partition(":")
    system, _, rid = rest.partition(":")
    if prefix != KEY_PREFIX or not rid:
        return None
    try:
        return ExternalRef.model_validate({"system": system, "entity": entity, "id": rid})
    except ValidationError:
        return None


# --- lengths and messages ----------------------------------------------------------------------
def columns(m: FieldMapping) -> Mapping[str, Any]:
    """`tables.columns` of a payload mapping: field -> {column, max} (the Sage dictionary)."""
    return m.tables.get("columns", {})


def check_lengths(payload: Mapping[str, Any], m: FieldMapping, record: str) -> None:
    """Refuse a text longer than its column (`tables.columns`): it is never cut silently; a
    field whose mapping says `truncate:<n>` was cut on purpose before this check.

    Raises:
        EncodeError: naming the record, the field and the column (not the value).
    """
    for field, value in payload.items():
        spec = columns(m).get(field)
        if not isinstance(spec, Mapping) or not isinstance(value, str):
            continue
        limit = int(spec["max"])
        if len(value) > limit:
            rule = m.fields.get(field)
            raise EncodeError(
                record,
                m.name,
                f"{field} ({spec['column']})",
                rule.source if rule is not None else None,
                f"{len(value)} characters, at most {limit} (not cut: the mapping does not "
                "say truncate)",
            )


def describe(exc: ValidationError, record: str, sources: Mapping[str, str] | None = None) -> str:
    """Every failing field with the Sage column it came from; values are left out."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        msg = str(err["msg"])
        value = err.get("input")
        if isinstance(value, str) and value:
            msg = msg.replace(repr(value), "value").replace(value, "value")
        column = (sources or {}).get(loc) or (sources or {}).get(re.sub(r"\.\d+", ".{i}", loc))
        parts.append(f"{loc} ({column}): {msg}" if column else f"{loc}: {msg}")
    return f"{record}: " + "; ".join(parts)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, record: str, sources: Mapping[str, str] | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DecodeError(describe(exc, record, sources)) from None


def sources_of(m: FieldMapping) -> dict[str, str]:
    """Canonical path -> the Sage column(s) a decode mapping reads it from (for messages)."""
    out: dict[str, str] = {}
    for target, rule in m.fields.items():
        if rule.source is None:
            continue
        src = rule.source if isinstance(rule.source, str) else " | ".join(rule.source)
        out[target] = src
    out.update({str(k): str(v) for k, v in m.tables.get("sources", {}).items()})
    return out
