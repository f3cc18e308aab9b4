"""The one engine that interprets declarative mappings (YAML data in `transforms/mappings/`).

A mapping turns a canonical record into a target system's payload::

    system: salesforce          # the system the payload is written to
    object: Account
    external_id_field: Storebridge_Id__c
    fields:
      Name:        {from: display_name, convert: ["truncate:255"], required: true}
      BillingCity: {from: billing_address.city}
      AccountId:   {from: ctx.account_id}               # a value the loader resolved
      Status:      {from: status, lookup: status}       # via `tables.status`
      Description: {const: "From the web store", owner: salesforce}
    tables:
      status: {pending: Draft, processing: Activated}

Field semantics:
* `from` — dotted path into the record (attributes, keys, list indexes); `ctx.<name>` reads the
  context; a missing step yields `None`, and `None` fields are left out of the payload. A list of
  paths takes the first that is not empty (`from: [last_name, email]`).
* `const` — a literal value. `default` — used when the value is `None`.
* `convert` — converters applied in order (see `converters.py`). `lookup` — translate through a
  table of the mapping (`_default` is the fallback entry; no entry and no fallback is an error).
* `required` — `None` after all of the above raises `MappingError` naming the field.
* `owner` / `only_on_create` — a field owned by the target system (`owner: <target slug>`) or
  marked `only_on_create` is written when the record is created and never overwritten. Each
  direction has its own mapping file (`<target>/<what>.yaml`), so ownership is per direction.

A target field with dots (`SKUInfo.Price`) is written nested (`{"SKUInfo": {"Price": ...}}`).
The same engine decodes: a mapping whose targets are canonical paths (`billing_address.city`)
applied to a raw record (a dict) gives the nested dict a canonical model validates
(`decode_with`). `fingerprint` hashes a mapping, so a changed mapping rewrites what it shaped.

Mappings are validated when loaded, so a typo in a YAML file fails at start, not mid-run.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from transforms.converters import CONVERTERS, convert

MAPPINGS_PACKAGE = "transforms"
MAPPINGS_DIR = "mappings"


class MappingError(ValueError):
    """A record cannot be mapped; names the target field and where its value came from."""

    def __init__(
        self, mapping: str, field: str, source: str | tuple[str, ...] | None, reason: str
    ) -> None:
        if isinstance(source, tuple):
            source = " | ".join(source)
        where = f" (from {source})" if source else ""
        super().__init__(f"{mapping}.{field}{where}: {reason}")
        self.mapping = mapping
        self.field = field
        self.source = source
        self.reason = reason


class FieldRule(BaseModel):
    """How one target field gets its value."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str | tuple[str, ...] | None = Field(default=None, alias="from")
    const: Any = None
    default: Any = None
    convert: tuple[str, ...] = ()
    lookup: str | None = None
    lookup_ci: bool = False  # match lookup keys case-insensitively (labels typed by people)
    required: bool = False
    owner: str | None = None
    only_on_create: bool = False

    @model_validator(mode="after")
    def _one_origin(self) -> FieldRule:
        if (self.source is None) == (self.const is None):
            raise ValueError("give exactly one of `from` or `const`")
        for name in self.convert:
            if name.partition(":")[0] not in CONVERTERS:
                raise ValueError(f"unknown converter {name!r}")
        return self


class FieldMapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    system: str
    object: str
    external_id_field: str | None = None
    fields: dict[str, FieldRule]
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _tables_exist(self) -> FieldMapping:
        for target, rule in self.fields.items():
            if rule.lookup and rule.lookup not in self.tables:
                raise ValueError(f"{target}: lookup table {rule.lookup!r} is not defined")
        return self

    def written_on_update(self, target: str) -> bool:
        """False for fields the target owns (written on create only)."""
        rule = self.fields[target]
        return not (rule.only_on_create or rule.owner == self.system)

    def with_tables(self, overrides: Mapping[str, Mapping[str, Any]]) -> FieldMapping:
        """A copy whose tables are updated entry by entry (e.g. a configured status map)."""
        tables = {name: dict(rows) for name, rows in self.tables.items()}
        for name, rows in overrides.items():
            tables.setdefault(name, {}).update(rows)
        return self.model_copy(update={"tables": tables})


def resolve(record: Any, path: str, ctx: Mapping[str, Any]) -> Any:
    """Follow a dotted path through attributes, keys and indexes; `None` when a step is missing."""
    head, _, rest = path.partition(".")
    value: Any = ctx if head == "ctx" else record
    steps = rest.split(".") if head == "ctx" else path.split(".")
    for step in steps:
        if value is None or not step:
            return None
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, (list, tuple)):
            value = value[int(step)] if step.isdigit() and int(step) < len(value) else None
        else:
            value = getattr(value, step, None)
    return value


def _value(
    mapping: FieldMapping, target: str, rule: FieldRule, record: Any, ctx: Mapping[str, Any]
) -> Any:
    value = rule.const
    paths = (rule.source,) if isinstance(rule.source, str) else (rule.source or ())
    for path in paths:
        value = resolve(record, path, ctx)
        if value not in (None, ""):
            break
    if value is None:
        value = rule.default
    try:
        for name in rule.convert:
            value = convert(name, value, ctx)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise MappingError(mapping.name or mapping.object, target, rule.source, str(exc)) from exc
    if rule.lookup and value is not None:
        table = mapping.tables[rule.lookup]
        key = str(getattr(value, "value", value))
        if rule.lookup_ci:
            table = {str(k).casefold(): v for k, v in table.items()}
            key = key.casefold()
        if key not in table and "_default" not in table:
            raise MappingError(
                mapping.name or mapping.object,
                target,
                rule.source,
                f"{key!r} has no entry in table {rule.lookup!r} ({', '.join(sorted(table))})",
            )
        value = table.get(key, table.get("_default"))
    return value


class Symbolic(dict[str, Any]):
    """A context whose values are stable placeholders (`<account_id>`) unless given: hashing
    what a payload *would* be before the loader resolved the ids it needs. Settings that shape
    values (a time zone) are passed for real: `Symbolic(timezone="Europe/Berlin")`."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key) if dict.__contains__(self, key) else f"<{key}>"

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def __contains__(self, key: object) -> bool:
        return True


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """`{"a.b": 1, "c": 2}` → `{"a": {"b": 1}, "c": 2}`."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def fingerprint(*mappings: FieldMapping) -> str:
    """A stable hash of mappings (fields, tables, converters): changes when a mapping does."""
    import hashlib
    import json

    data = [m.model_dump(mode="json", by_alias=True) for m in mappings]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def decode_with(
    mapping: FieldMapping, raw: Any, ctx: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Apply a decode mapping (targets are canonical paths) and nest the result."""
    return nest(apply(mapping, raw, ctx=ctx, nested=False))


def apply(
    mapping: FieldMapping,
    record: Any,
    *,
    creating: bool = True,
    ctx: Mapping[str, Any] | None = None,
    nested: bool = True,
) -> dict[str, Any]:
    """Map `record` to a payload dict of the target system.

    Args:
        mapping: a loaded mapping.
        record: a canonical model (or any object/dict the paths address).
        creating: False when the target record exists; target-owned fields are then left out.
        ctx: values the loader resolved (ids of parents, the business time zone, ...).

    Raises:
        MappingError: a required field is empty, a lookup has no entry, or a converter failed.
    """
    ctx = ctx if ctx is not None else {}
    payload: dict[str, Any] = {}
    for target, rule in mapping.fields.items():
        if not creating and not mapping.written_on_update(target):
            continue
        value = _value(mapping, target, rule, record, ctx)
        if value is None:
            if rule.required:
                raise MappingError(
                    mapping.name or mapping.object, target, rule.source, "required value is empty"
                )
            continue
        payload[target] = value
    return nest(payload) if nested and any("." in k for k in payload) else payload


def _read_yaml(relative: str) -> Any:
    ref = resources.files(MAPPINGS_PACKAGE).joinpath(MAPPINGS_DIR, *relative.split("/"))
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


@cache
def load_mapping(name: str) -> FieldMapping:
    """Load and validate `transforms/mappings/<name>.yaml` (e.g. "salesforce/account")."""
    data = _read_yaml(f"{name}.yaml")
    return FieldMapping.model_validate({"name": name, **data})


@cache
def load_table(name: str) -> dict[str, Any]:
    """Load a plain lookup table `transforms/mappings/<name>.yaml` (keys as strings)."""
    data = _read_yaml(f"{name}.yaml")
    if not isinstance(data, dict):
        raise ValueError(f"mappings/{name}.yaml must be a mapping of keys to values")
    return {str(k): v for k, v in data.items()}
