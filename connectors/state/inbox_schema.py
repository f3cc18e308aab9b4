"""What the inbox stores, checked before anything is written: `InboxEntry`.

Every stored field is validated by one schema, so the gateway (and any caller of
`InboxStore.add_events`) refuses the same input on SQLite and PostgreSQL alike: text within its
column's length, no NUL characters or lone surrogates; payloads of JSON types only, no
NaN/Infinity, at most `MAX_PAYLOAD_DEPTH` levels. A refusal (`InboxEntryError`) names the event
and the field, never the value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, StringConstraints
from pydantic import ValidationError as _ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import InstrumentedAttribute

from connectors.state.models import InboxRouteRow, InboxRow

MAX_PAYLOAD_DEPTH = 32
NewEvent: TypeAlias = tuple[str, str, str, str | None, Any, Sequence[tuple[str, str]]]


class InboxEntryError(ValueError):
    """An event the inbox cannot store alike on SQLite and PostgreSQL (names event and field)."""


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which PostgreSQL cannot store"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (e.g. \\ud800), which is not Unicode text"
    return None


def _json_problem(value: Any) -> tuple[str, str] | None:
    """(path, problem) of the first part of `value` that is not storable JSON, or None."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, float):
            problem = None if math.isfinite(item) else "is NaN or Infinity, which JSON cannot hold"
        elif not isinstance(item, (dict, list, tuple)):
            problem = f"is a {type(item).__name__}, not a JSON value"
        elif depth >= MAX_PAYLOAD_DEPTH:
            problem = f"is nested deeper than {MAX_PAYLOAD_DEPTH} levels"
        elif isinstance(item, dict):
            for key, child in item.items():
                shown = ascii(key)[1:-1][:40] if isinstance(key, str) else "?"
                key_problem = _text_problem(key) if isinstance(key, str) else "is not text"
                if key_problem:
                    return f"{path}.{shown}", f"(the key) {key_problem}"
                stack.append((child, f"{path}.{shown}", depth + 1))
            continue
        else:
            stack.extend((child, f"{path}[{n}]", depth + 1) for n, child in enumerate(item))
            continue
        if problem:
            return path, problem
    return None


def _storable_text(value: str) -> str:
    problem = _text_problem(value)
    if problem:
        raise PydanticCustomError("storable_text", "{problem}", {"problem": problem})
    return value


def _storable_json(value: Any) -> Any:
    found = _json_problem(value)
    if found:
        raise PydanticCustomError(
            "storable_json", "{problem}", {"problem": found[1], "path": found[0]}
        )
    return value


def _length(column: InstrumentedAttribute[Any], min_length: int = 1) -> StringConstraints:
    return StringConstraints(min_length=min_length, max_length=int(column.type.length))


_STORABLE = AfterValidator(_storable_text)
_Source: TypeAlias = Annotated[str, Strict(), _length(InboxRow.source), _STORABLE]
_Key: TypeAlias = Annotated[str, Strict(), _length(InboxRow.delivery_key), _STORABLE]
_Topic: TypeAlias = Annotated[str, Strict(), _length(InboxRow.topic), _STORABLE]
_Id: TypeAlias = Annotated[str, Strict(), _length(InboxRow.resource_id, 0), _STORABLE]
_UseCase: TypeAlias = Annotated[str, Strict(), _length(InboxRouteRow.use_case), _STORABLE]
_Target: TypeAlias = Annotated[str, Strict(), _length(InboxRouteRow.target), _STORABLE]


class InboxEntry(BaseModel):
    """One event as the inbox stores it: every field checked against its column, the payload
    against what both databases store alike (no NaN/Infinity, no NUL, no lone surrogates, JSON
    types only), so SQLite and PostgreSQL accept and refuse the same input."""

    model_config = ConfigDict(frozen=True)

    source: _Source
    delivery_key: _Key
    topic: _Topic
    resource_id: _Id | None
    payload: Annotated[Any, AfterValidator(_storable_json)] = None
    routes: tuple[tuple[_UseCase, _Target], ...] = ()


def validate_events(events: Sequence[NewEvent | InboxEntry]) -> list[InboxEntry]:
    """The events as `InboxEntry`s (already validated ones pass as they are).

    Raises:
        InboxEntryError: an event cannot be stored; the message names the event and field
            (never the value: it may be personal data).
    """
    entries = []
    for i, event in enumerate(events):
        if isinstance(event, InboxEntry):
            entries.append(event)
            continue
        source, key, topic, resource_id, payload, routes = event
        try:
            entries.append(
                InboxEntry(
                    source=source,
                    delivery_key=key,
                    topic=topic,
                    resource_id=resource_id,
                    payload=payload,
                    routes=tuple(routes),
                )
            )
        except _ValidationError as exc:
            error = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in error["loc"])
            where += str((error.get("ctx") or {}).get("path", ""))
            raise InboxEntryError(f"event {i}: {where}: {error['msg']}") from None
    return entries
