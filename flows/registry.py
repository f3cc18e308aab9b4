"""Which systems exist and what each offers: one line per system.

Every system package declares once, in its `SystemSpec` (`flows/systems/<slug>/__init__.py`),
what it offers: its settings, its emulator, the roles it plays per entity (source of orders,
target of shipments, ...), its webhook routes and how they are verified, its error-table rows,
quota headers and batch maxima. Everything else (the sandbox runner, the CLI, the gateway, the
capability matrix in the README) reads it from here. Adding a system is adding its packages and
one line to `SYSTEMS`.

Specs hold import paths as strings, so reading the registry imports no connector, no HTTP stack
and no sandbox.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any

from transforms.canonical import Entity

SYSTEMS: dict[str, str] = {
    "shift4shop": "flows.systems.shift4shop:SPEC",
    "bigcommerce": "flows.systems.bigcommerce:SPEC",
    "salesforce": "flows.systems.salesforce:SPEC",
    "dynamics365": "flows.systems.dynamics365:SPEC",
    "sage300": "flows.systems.sage300:SPEC",
}


class Kind(enum.StrEnum):
    """Which side of the business a system is on."""

    STORE = "store"
    BACK_OFFICE = "back office"


class Role(enum.StrEnum):
    SOURCE = "source"
    TARGET = "target"


@dataclass(frozen=True)
class WebhookSpec:
    """How a system's webhooks reach the gateway and are checked.

    Attributes:
        path: the gateway route (`{secret}` is the URL token where the system signs nothing).
        verification: how a delivery is authenticated, for the docs and the matrix.
        parser: "module:function" turning a raw body into `WebhookEvent`s (or raising
            `WebhookError` naming the item and field).
        secret_setting: the gateway setting holding the secret (the URL token, or the key
            deliveries are signed with).
        verifier: "module:function" of the factory ``(gateway settings, this spec) ->
            flows.webhook_auth.Verifier`` the gateway builds the system's checks with (401 and
            nothing stored when one fails); by default the URL token of `{secret}` in `path`.
            Signed systems name theirs, e.g. ``flows.systems.bigcommerce.webhooks:verifier``.
    """

    path: str
    verification: str
    parser: str
    secret_setting: str
    verifier: str = "flows.webhook_auth:url_token"


@dataclass(frozen=True)
class PairFlow:
    """A flow of a system's own that runs per pair beside the use cases (not a record sync):
    Sage 300's daily GL postings of a store's payments. `prefect.yaml` gets one scheduled
    deployment `<store>-<system>-<name>` per pair (`deployments/render.py`).

    Attributes:
        name: the deployment suffix and tag, e.g. "gl-postings".
        flow: "module:function" of the Prefect flow; it takes `source` (the store) and `target`.
        cron: its schedule (UTC).
        description: for the deployment; {src} and {dst} are the store's and system's titles.
    """

    name: str
    flow: str
    cron: str
    description: str


@dataclass(frozen=True)
class SystemSpec:
    """What one system offers (see the module docstring)."""

    slug: str
    title: str
    kind: Kind
    settings: str  # "module:Class" of its ConnectionSettings
    emulator: str  # "module:Class" of its sandbox Emulator
    sandbox_port: int
    roles: dict[tuple[Entity, Role], str]  # (entity, role) -> "module:Class" adapter
    codecs: dict[Entity, str] = field(default_factory=dict)  # pure decoders (echo suppression)
    hashers: dict[Entity, str] = field(default_factory=dict)  # pure payload hashers (targets)
    webhooks: WebhookSpec | None = None
    error_rows: str | None = None  # "module:NAME" of the connector's error-table rows
    quota_headers: tuple[str, ...] = ()
    batch_max: dict[Entity, int] = field(default_factory=dict)  # records per write call
    # where its runs execute: "local" (the pool of the Prefect workers) or "onprem" (a worker
    # on the merchant's network next to an on-premise system: the hybrid agent)
    work_pool: str = "local"
    pair_flows: tuple[PairFlow, ...] = ()

    def adapter(self, entity: Entity, role: Role) -> type[Any]:
        """The adapter class of a role.

        Raises:
            ValueError: the system does not play that role (the message says what it plays).
        """
        path = self.roles.get((entity, role))
        if path is None:
            plays = ", ".join(f"{r.value} of {e.value}" for e, r in sorted(self.roles)) or "nothing"
            raise ValueError(
                f"{self.slug} is not a {role.value} of {entity.value}s (it is: {plays})"
            )
        return load(path)  # type: ignore[no-any-return]

    def plays(self, entity: Entity, role: Role) -> bool:
        return (entity, role) in self.roles


def load(path: str) -> Any:
    """The object a "module:name" path names."""
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


@cache
def spec(slug: str) -> SystemSpec:
    """The spec of system `slug`.

    Raises:
        ValueError: unknown system (the message lists the known ones).
    """
    if slug not in SYSTEMS:
        raise ValueError(f"unknown system {slug!r}; known: {', '.join(sorted(SYSTEMS))}")
    found = load(SYSTEMS[slug])
    if not isinstance(found, SystemSpec) or found.slug != slug:
        raise TypeError(f"{SYSTEMS[slug]} is not the SystemSpec of {slug!r}")
    return found


def specs() -> list[SystemSpec]:
    """Every registered system, in registry order."""
    return [spec(slug) for slug in SYSTEMS]


def capability_matrix(entities: Iterable[Entity] | None = None) -> list[dict[str, str]]:
    """One row per system: its kind and, per entity, the roles it plays ("source, target")."""
    wanted = list(entities) if entities is not None else _synced_entities()
    rows = []
    for s in specs():
        row = {"system": s.slug, "kind": s.kind.value}
        for entity in wanted:
            roles = [r.value for r in Role if s.plays(entity, r)]
            row[entity.value] = ", ".join(roles) or "-"
        rows.append(row)
    return rows


def _synced_entities() -> list[Entity]:
    from flows.usecases import USE_CASES

    return list(dict.fromkeys(u.entity for u in USE_CASES.values()))


def matrix_markdown() -> str:
    """The capability matrix as a Markdown table (the README's copy must equal it)."""
    rows = capability_matrix()
    head = list(rows[0]) if rows else ["system"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    return "\n".join(lines)


def pairs(use_case_entity: Entity, source_role: Role = Role.SOURCE) -> list[tuple[str, str]]:
    """Every (source, target) pair of systems that can run a use case of this entity: a store
    and a back office (two stores, or two back offices, are no pair of this product)."""
    sources = [s for s in specs() if s.plays(use_case_entity, source_role)]
    targets = [s for s in specs() if s.plays(use_case_entity, Role.TARGET)]
    return [(a.slug, b.slug) for a in sources for b in targets if a.kind is not b.kind]
