"""The sides of a mapping (what it reads, what it writes) and the samples of each, for `suggest`,
`preview` and the suggestion benchmark.

`Side` bundles a shipped mapping with its loaded `FieldMapping`, its target and source
catalogues and its direction. `samples_for` turns records read from a system (canonical ones for
encode mappings, raw ones for decode mappings) into what the mapping is applied to (each order
line for `order_item.yaml`, the rows of a raw tuple). `unmapped` lists the target fields worth
suggesting; `hidden` gives the benchmark's cases (the mapped fields, with their true sources).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from transforms.mapping import FieldMapping, load_mapping
from transforms.studio import shipped
from transforms.studio.catalogue import FieldSpec, ObjectCatalogue, catalogue
from transforms.studio.check import read_shipped, source_catalogue, target_catalogue
from transforms.studio.suggest import (
    Candidate,
    Suggestion,
    canonical_candidates,
    source_candidates,
    suggest,
    tokens,
)

# target fields never worth suggesting: the platform's own and the loader's
SYSTEM_NAMES = frozenset(
    {
        "id",
        "isdeleted",
        "createddate",
        "lastmodifieddate",
        "systemmodstamp",
        "createdon",
        "modifiedon",
        "versionnumber",
        "storebridge_id",
        "storebridge_id__c",
    }
)


@dataclass(frozen=True)
class Side:
    """A shipped mapping with what it reads and writes."""

    info: shipped.Shipped
    mapping: FieldMapping
    target: ObjectCatalogue
    source: ObjectCatalogue

    @property
    def decoding(self) -> bool:
        return self.info.direction == shipped.DECODE


def side(name: str, text: str | None = None) -> Side:
    """The side of shipped mapping `name` (or of `text`, a copy of it being edited).

    Raises:
        KeyError: not a shipped field mapping, or no catalogue for its target.
    """
    info = shipped.info(name)
    if info is None:
        raise KeyError(f"{name} is not a shipped field mapping")
    if text is None:
        mapping = load_mapping(name)
    else:
        mapping = FieldMapping.model_validate({"name": name, **yaml.safe_load(text)})
    target = target_catalogue(info, mapping, info.direction, info.model)
    source = source_catalogue(info, mapping, info.direction, info.model)
    if target is None or source is None:
        raise KeyError(f"{name}: no catalogue of what it reads or writes")
    return Side(info, mapping, target, source)


def parts_of(info: shipped.Shipped, records: Sequence[Any]) -> list[Any]:
    """What an encode mapping is applied to: the records, or each of their `part` items."""
    if info.direction == shipped.DECODE or not info.part:
        return list(records)
    out: list[Any] = []
    for r in records:
        out.extend(getattr(r, info.part, ()) or ())
    return out


def rows_of(records: Sequence[Any]) -> list[dict[str, Any]]:
    """Raw records as flat rows of fields: dicts as they are, tuples of dicts (a product and
    its prices) merged, lists of dicts (order lines) as rows of their own."""
    out: list[dict[str, Any]] = []
    for r in records:
        if isinstance(r, Mapping):
            out.append(dict(r))
        elif isinstance(r, (tuple, list)):
            merged: dict[str, Any] = {}
            for part in r:
                if isinstance(part, Mapping):
                    for k, v in part.items():
                        merged.setdefault(str(k), v)
                elif isinstance(part, (list, tuple)):
                    out.extend(rows_of(part))
            if merged:
                out.append(merged)
        elif hasattr(r, "model_dump"):
            out.append(r.model_dump(by_alias=True))
    return out


def candidates(s: Side, samples: Sequence[Any] = ()) -> list[Candidate]:
    """Every source candidate of a side, with sample values."""
    if s.decoding:
        own = s.info.sources[0] if s.info.sources else s.mapping.object
        try:
            primary = list(catalogue(s.mapping.system, own).fields)
        except KeyError:
            primary = None
        return source_candidates(s.source, rows_of(samples), primary)
    return canonical_candidates(s.source, parts_of(s.info, samples))


def context(s: Side) -> list[str]:
    """Words that say nothing about one target field: the target object's name (encode), the
    prefixes of a decoder's parts (`shipment.`, `line.`)."""
    if s.decoding:
        return []
    return tokens(s.mapping.object)


def unmapped(s: Side) -> list[FieldSpec]:
    """Target fields the mapping does not write and a suggestion could fill."""
    mapped = {k.lower() for k in s.mapping.fields}
    external = (s.mapping.external_id_field or "").lower()
    out = []
    for spec in s.target.fields.values():
        low = spec.name.lower()
        if low in mapped or low == external or low in SYSTEM_NAMES or spec.read_only:
            continue
        if spec.type in ("relationship", "reference", "id", "array"):
            continue
        if spec.type == "object" and spec.model not in ("Money",):
            continue
        if s.decoding and (low.startswith("ref.") or low.endswith((".ref", ".currency"))):
            continue
        out.append(spec)
    return out


@dataclass(frozen=True)
class Case:
    """One hidden field of the benchmark: the field and the sources it is truly made of."""

    mapping: str
    target: FieldSpec
    truth: tuple[str, ...]


def hidden(s: Side) -> list[Case]:
    """The mapped fields whose `from` names a real source path (not a `ctx.` value, not a
    constant), with those paths as the truth."""
    out = []
    for name, rule in s.mapping.fields.items():
        if rule.source is None:
            continue
        paths = (rule.source,) if isinstance(rule.source, str) else tuple(rule.source)
        truth = tuple(p for p in paths if not p.startswith("ctx."))
        spec = s.target.field(name)
        if not truth or spec is None:
            continue
        out.append(Case(s.info.name, spec, truth))
    return out


def suggestions(
    s: Side,
    samples: Sequence[Any] = (),
    *,
    limit: int = 3,
    targets: Sequence[FieldSpec] | None = None,
    scorer: Any = None,
) -> dict[str, list[Suggestion]]:
    """Ranked suggestions for the unmapped fields of a side (or for `targets`)."""
    wanted = list(targets) if targets is not None else unmapped(s)
    return suggest(
        wanted,
        candidates(s, samples),
        decoding=s.decoding,
        limit=limit,
        scorer=scorer,
        context=context(s),
    )


def shipped_text(name: str) -> str:
    return read_shipped(name)
