"""What connectors hand to the engine: pages of raw records, and the one failure type.

`Failure` is the only description of a record that could not be synced, from the first read to
the dead-letter table: a row that does not validate, a record a target refuses, an id the source
does not know. It names the record (`system:entity:id`) and, in its message, the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """A record that could not be read, decoded or written; it becomes (or updates) a dead letter.

    Attributes:
        system: slug of the system the record comes from (its source).
        entity: the record's entity (`transforms.canonical.Entity` value).
        external_id: the record's id in `system`.
        error_class: e.g. ``ValidationError``, ``RecordError``, ``NotFoundError``.
        message: what is wrong, naming the record and the field.
        payload: what a replay or a person needs (redacted by the state store on storage).
    """

    system: str
    entity: str
    external_id: str
    error_class: str
    message: str
    payload: Any = None

    @property
    def record(self) -> str:
        """`system:entity:id`."""
        return f"{self.system}:{self.entity}:{self.external_id}"


@dataclass
class Page(Generic[T]):
    """One page of a read: raw records, rows that failed to read, and where to go on.

    Attributes:
        records: raw records (the system's payload models).
        failures: rows that could not be read (with the field), ids that were not found.
        next: the cursor of the next page, or None when this was the last one.
        total: how many records the whole read holds, when the source announced it.
    """

    records: list[T] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    next: Any = None
    total: int | None = None


def validate_rows(
    model: type[M], rows: Iterable[Mapping[str, Any]], *, system: str, entity: str, id_key: str
) -> Page[M]:
    """Validate each row into `model`; invalid rows become failures, never exceptions."""
    out: Page[M] = Page()
    for row in rows:
        try:
            out.records.append(model.model_validate(row))
        except ValidationError as exc:
            rid = next((str(v) for k, v in row.items() if k.lower() == id_key.lower()), "?")
            fields = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            out.failures.append(
                Failure(
                    system,
                    entity,
                    rid,
                    "ValidationError",
                    f"{system}:{entity}:{rid}: {fields}",
                    dict(row),
                )
            )
    return out
