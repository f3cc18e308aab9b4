"""What every Dynamics 365 codec module shares: the decode error, refs, row handling, messages.

A decode error names the record (`dynamics365:customer:<id>`), the canonical field and the
Dataverse column it came from; the offending value is never quoted (it may be personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from transforms.canonical import Entity, ExternalRef
from transforms.dynamics365_encode import SYSTEM
from transforms.mapping import MappingError, decode_with, load_mapping

ADDRESS_COLUMNS = {
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "region": "stateorprovince",
    "postal_code": "postalcode",
    "country": "country",
}


class DecodeError(ValueError):
    """A Dataverse row that does not make a valid canonical record."""


def ref(entity: Entity, record_id: str) -> ExternalRef:
    return ExternalRef(system=SYSTEM, entity=entity, id=record_id)


def column_of(mapping_name: str, loc: str) -> str | None:
    """The Dataverse column a canonical field path is decoded from (for messages)."""
    m = load_mapping(mapping_name)
    rule = m.fields.get(loc)
    if rule is not None and rule.source is not None:
        return rule.source if isinstance(rule.source, str) else " | ".join(rule.source)
    head, _, leaf = loc.partition(".")
    prefix = m.tables.get("addresses", {}).get(head)
    return f"{prefix}_{ADDRESS_COLUMNS[leaf]}" if prefix and leaf in ADDRESS_COLUMNS else None


def describe(exc: ValidationError, record: str, mapping_name: str | None = None) -> str:
    """Every failing field with its column; the offending values are left out."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        msg = str(err["msg"])
        value = err.get("input")
        if isinstance(value, str) and value:
            msg = msg.replace(repr(value), "value").replace(value, "value")
        column = column_of(mapping_name, loc) if mapping_name else None
        parts.append(f"{loc} ({column}): {msg}" if column else f"{loc}: {msg}")
    return f"{record}: " + "; ".join(parts)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, record: str, mapping_name: str | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DecodeError(describe(exc, record, mapping_name)) from None


def decode(
    name: str, row: Mapping[str, Any], record: str, ctx: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    try:
        return decode_with(load_mapping(name), row, ctx)
    except MappingError as exc:
        raise DecodeError(f"{record}: {exc}") from None


Raw = Mapping[str, Any] | BaseModel


def _plain(raw: Any) -> Any:
    """A row as the decoders read it: a dict of Web API columns. Raw row models (e.g.
    `connectors.dynamics365.models`) are dumped by alias (`_productid_value`, `order_details`),
    and naive datetimes (a date-only column parsed as a datetime) are taken as UTC."""
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(by_alias=True)
    if isinstance(raw, Mapping):
        return {k: _plain(v) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        return [_plain(v) for v in raw]
    if isinstance(raw, dt.datetime) and raw.tzinfo is None:
        return raw.replace(tzinfo=dt.UTC)
    return raw


def as_row(raw: Raw) -> dict[str, Any]:
    """One row as a dict of Web API columns (see `_plain`)."""
    out = _plain(raw)
    return dict(out) if isinstance(out, Mapping) else {}


def as_rows(raws: Any) -> list[dict[str, Any]]:
    """Several rows as dicts."""
    return [as_row(r) for r in raws or ()]


def row_record(row: Any, key: str, entity: Entity) -> str:
    rid = row.get(key) if isinstance(row, Mapping) else None
    return f"{SYSTEM}:{entity.value}:{rid}"
