"""The parameters of the use-case flows as Prefect's deployment form shows them: a description
each (`documented` writes them into the flow's docstring, where Prefect reads them), and the
source and target as choices of the systems that play that role for the use case's entity
(from the registry, so a new system appears in the form by its registry line).

The choices are for the form; a run still checks its pair against the registry (the error then
says what each system plays), so a system registered later (e.g. in a test) runs too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import Field, JsonValue

from flows import registry
from flows.registry import Role
from flows.usecases import UseCase

F = TypeVar("F", bound=Callable[..., Any])

WindowStart = Annotated[dt.datetime | None, Field()]
WindowEnd = Annotated[dt.datetime | None, Field()]
Ids = Annotated[list[str] | None, Field()]
FromInbox = Annotated[bool, Field()]

DESCRIPTIONS = {
    "window_start": "backfill from this instant (with a time zone); empty: incremental since "
    "the watermark, with overlap",
    "window_end": "backfill up to this instant (with a time zone; default: now)",
    "ids": "only these records, by the source system's id (replays, one-offs)",
    "from_inbox": "the webhook events routed to this use case and pair (the gateway sets it)",
}


def choices(use_case: UseCase, role: Role) -> list[str]:
    """The registered systems that can play `role` for the use case's entity."""
    return [s.slug for s in registry.specs() if s.plays(use_case.entity, role)]


def system(use_case: UseCase, role: Role) -> Any:
    """The `Field` of a flow's `source` or `target` parameter: its choices in the form."""
    options: list[JsonValue] = list(choices(use_case, role))
    return Field(json_schema_extra={"enum": options})


def documented(use_case: UseCase) -> Callable[[F], F]:
    """Append the parameters' descriptions to a flow function's docstring (Google style, as
    Prefect parses it for the deployment form); apply it below `@flow`."""

    def apply(fn: F) -> F:
        entity = use_case.entity.value
        lines = {
            "source": f"the system the run reads {entity}s from "
            f"({', '.join(choices(use_case, Role.SOURCE))})",
            "target": f"the system the run writes {entity}s to "
            f"({', '.join(choices(use_case, Role.TARGET))})",
            **DESCRIPTIONS,
        }
        args = "\n".join(f"    {name}: {text}" for name, text in lines.items())
        fn.__doc__ = f"{(fn.__doc__ or '').rstrip()}\n\nArgs:\n{args}\n"
        return fn

    return apply
