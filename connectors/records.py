"""Validating raw payload rows one by one, so one bad row never sinks its page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Rejected:
    """A record that could not be read, with a message naming the record and the field."""

    system: str
    entity: str
    external_id: str
    message: str
    payload: Any = None
    error_class: str = "ValidationError"


@dataclass
class Extracted(Generic[T]):
    """Records read from a source, and the ones that were rejected while reading."""

    records: list[T] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def validate_rows(
    model: type[M], rows: Iterable[Mapping[str, Any]], *, system: str, entity: str, id_key: str
) -> Extracted[M]:
    """Validate each row into `model`; invalid rows become `Rejected` entries, not exceptions."""
    out: Extracted[M] = Extracted()
    for row in rows:
        try:
            out.records.append(model.model_validate(row))
        except ValidationError as exc:
            rid = next((str(v) for k, v in row.items() if k.lower() == id_key.lower()), "?")
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            out.rejected.append(
                Rejected(system, entity, rid, f"{system}:{entity}:{rid}: {fields}", dict(row))
            )
    return out
