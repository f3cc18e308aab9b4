"""`map preview`: what a mapping makes of real records, field by field, and what the target would
reject and why (checked against its field catalogue before any write).

`preview_record` applies one mapping to one record field by field (one failing field does not
hide the others) and checks each value: unknown field, computed field, required but empty, too
long, not in the picklist, not the field's type. `mask` hides personal values (e-mails, phones,
names, companies, streets, postcodes) for printing: by the field's concepts and by the values
the record itself holds, as the dead-letter store masks them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from transforms.mapping import FieldMapping, MappingError, Symbolic, apply, resolve
from transforms.studio import shipped
from transforms.studio.catalogue import FieldSpec, ObjectCatalogue
from transforms.studio.suggest import tokens

REDACTED = "***"
PERSONAL_CONCEPTS = frozenset(
    {
        "email",
        "phone",
        "first",
        "last",
        "full",
        "company",
        "street",
        "postal",
        "note",
        "contact",
        "fax",
        "middle",
    }
)


@dataclass(frozen=True)
class Row:
    """One target field of one mapped record."""

    field: str
    value: Any
    source: str  # where it came from (paths, or `const`)
    source_value: Any
    problem: str | None = None  # why the target would reject it


def _source_text(rule: Any) -> str:
    if rule.const is not None:
        return "const"
    if isinstance(rule.source, str):
        return rule.source
    return " | ".join(rule.source or ())


def _first_value(record: Any, rule: Any, ctx: Mapping[str, Any]) -> Any:
    if rule.const is not None:
        return rule.const
    paths = (rule.source,) if isinstance(rule.source, str) else tuple(rule.source or ())
    for path in paths:
        value = resolve(record, path, ctx)
        if value not in (None, ""):
            return value
    return None


def problem_of(
    spec: FieldSpec | None, value: Any, *, creating: bool, target: ObjectCatalogue | None
) -> str | None:
    """Why the target would refuse `value` for field `spec` (None: it would take it)."""
    if target is not None and spec is None:
        return f"{target.system} {target.object} has no such field"
    if spec is None:
        return None
    if spec.read_only:
        return "computed by the target: the write is refused or ignored"
    if value is None:
        return "required on create and empty" if spec.required and creating else None
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return None  # a loader's value (ctx), shown as a placeholder
    if spec.picklist and str(value) not in {str(v) for v in spec.picklist}:
        allowed = ", ".join(str(v) for v in spec.picklist[:10])
        return f"{value!r} is not in the picklist ({allowed})"
    text_types = ("string", "text", "email", "phone", "url", "id")
    if spec.type in text_types:
        if isinstance(value, (dict, list, tuple)):
            return f"a {type(value).__name__} for a {spec.type} field"
        if spec.length is not None and len(str(value)) > spec.length:
            return f"{len(str(value))} characters, the field holds {spec.length}"
    if spec.type in ("decimal", "currency", "integer"):
        if isinstance(value, float):
            return "a float: money and quantities must be Decimal"
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return f"{type(value).__name__} for a {spec.type} field"
        if spec.type == "integer" and isinstance(value, Decimal) and value != value.to_integral():
            return "a fraction for an integer field"
    if spec.type == "boolean" and not isinstance(value, bool):
        return f"{type(value).__name__} for a boolean field"
    if spec.type == "date":
        if isinstance(value, dt.datetime):
            return "a datetime for a date field"
        if isinstance(value, str) and not _is_date(value):
            return f"{value!r} is not a date"
    return None


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def _is_date(text: str) -> bool:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            dt.datetime.strptime(text[:10], fmt)
        except ValueError:
            continue
        return True
    return False


def preview_record(
    m: FieldMapping,
    record: Any,
    target: ObjectCatalogue | None,
    *,
    creating: bool = True,
    ctx: Mapping[str, Any] | None = None,
) -> list[Row]:
    """Each field of `m` applied to `record`, with what the target would say about it."""
    context: Mapping[str, Any] = ctx if ctx is not None else Symbolic()
    rows = []
    for name, rule in m.fields.items():
        if not creating and not m.written_on_update(name):
            continue
        single = m.model_copy(update={"fields": {name: rule}})
        source_value = _first_value(record, rule, context)
        if _placeholder(source_value):  # a loader's value: nothing to convert yet
            rows.append(Row(name, source_value, _source_text(rule), source_value))
            continue
        try:
            out = apply(single, record, creating=creating, ctx=context, nested=False)
            value = out.get(name)
            problem = None
        except MappingError as exc:
            value, problem = None, exc.reason
        spec = target.field(name) if target is not None else None
        if problem is None:
            problem = problem_of(spec, value, creating=creating, target=target)
        rows.append(Row(name, value, _source_text(rule), source_value, problem))
    return rows


def personal_field(name: str, spec: FieldSpec | None = None) -> bool:
    """Whether a field holds personal data, by its concepts (and its catalogue type)."""
    if spec is not None and spec.type in ("email", "phone"):
        return True
    words = set(tokens(name)) | (set(tokens(spec.label)) if spec else set())
    if words & PERSONAL_CONCEPTS:
        return True
    return "name" in words and bool(words & {"customer", "billing", "shipping", "contact"})


def personal_values(*records: Any) -> dict[str, str]:
    """The personal values the records hold (their masked form), by the redaction rules of the
    dead-letter store plus the studio's field concepts."""
    from transforms.studio.plan import rows_of

    found: dict[str, str] = {}
    for record in records:
        for row in _flat_rows(record, rows_of):
            for key, value in row.items():
                if isinstance(value, str) and len(value.strip()) >= 2 and personal_field(key):
                    found[value.strip()] = mask_value(key, value)
                    if {"first", "last", "full", "contact"} & set(tokens(key)):
                        found.update({w: REDACTED for w in value.split() if len(w) >= 2})
    return found


def _flat_rows(record: Any, rows_of: Any) -> list[dict[str, Any]]:
    if hasattr(record, "model_dump"):
        return [_flatten(record.model_dump(mode="json"))]
    return [_flatten(r) for r in rows_of([record])]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, Mapping):
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        key = prefix.rstrip(".")
        out[key.rsplit(".", 1)[-1] if key else key] = data
        out[key] = data
    return out


def mask_value(name: str, value: Any) -> str:
    """A personal value as it may be printed: e-mails keep their domain (`j***@example.com`)."""
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}{REDACTED}@{domain}"
    return REDACTED


def mask(name: str, value: Any, known: Mapping[str, str], spec: FieldSpec | None = None) -> Any:
    """`value` of field `name` as it may be printed without `--show-personal`."""
    if value is None or isinstance(value, (bool, int, Decimal)) or _placeholder(value):
        return value
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: mask(str(k), v, known) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(name, v, known, spec) for v in value]
    text = str(value)
    if personal_field(name, spec):
        return mask_value(name, text)
    if text.strip() in known:
        return known[text.strip()]
    for raw, masked in sorted(known.items(), key=lambda kv: -len(kv[0])):
        if len(raw) >= 4 and raw in text:
            text = text.replace(raw, masked)
    return text


def creating_of(info: shipped.Shipped | None) -> bool:
    """Whether a preview shows the create payload (the update one for update-only mappings)."""
    return info is None or info.creates
