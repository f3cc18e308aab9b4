"""Which (use case, target) pairs each (source, topic) of webhook events is routed to.

Derived from the registry and the gateway's pairs: for every pair (store → back office) and every
use case that subscribes to a topic, when the store is a source and the back office a target of
the use case's entity. So one store feeding two back offices routes each event twice (each with
its own claim), and an order event never reaches the customer sync.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flows import registry
from flows.registry import Role
from flows.usecases import USE_CASES, UseCase


def subscriptions(
    pairs: Iterable[tuple[str, str]], use_cases: Iterable[UseCase] | None = None
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(source, topic) → [(use case, target), ...]."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for source, target in pairs:
        for uc in use_cases if use_cases is not None else USE_CASES.values():
            if not uc.topics:
                continue
            if not (
                registry.spec(source).plays(uc.entity, Role.SOURCE)
                and registry.spec(target).plays(uc.entity, Role.TARGET)
            ):
                continue
            for topic in uc.topics:
                route = (uc.name, target)
                if route not in out[(source, topic)]:
                    out[(source, topic)].append(route)
    return dict(out)
