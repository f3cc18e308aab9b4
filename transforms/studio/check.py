"""`map check`: a mapping against its target's field catalogue, finding by finding.

What is checked, per field of the mapping (each finding names the file, the line and the field):

* **unknown-field**: the target has no such field (with the nearest names);
* **unknown-source**: a `from` path the source does not have (the canonical model of an encode
  mapping, the source objects of a decode mapping; `ctx.*` values are the loader's: unchecked);
* **type**: what the source expression and its converters give does not fit the field (an
  Address into a text field, a datetime into a date field, a Money object into a number, a
  converter fed the wrong kind);
* **length**: values longer than the field holds (`truncate:300` into 255 characters), or text
  of unknown length into a bounded field without a cut (a warning: the target refuses it);
* **picklist**: a lookup table, constant or converter gives values the field's picklist lacks;
* **required**: a field a create needs is not mapped (an error), or is mapped but may be empty
  without `required: true` (a warning: the record would fail at the target, not before);
* **create-only** / **read-only**: a field the target takes on create only is written on update
  (mark it `only_on_create`), or a computed field is written at all;
* **converter**: a converter's argument is wrong (`truncate` without a length, an unknown
  `e164` region).

Errors fail the check; warnings do not. Findings listed in `KNOWN` (shipped mappings only) are
shown with their explanation and do not fail it either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from transforms.mapping import FieldMapping, FieldRule
from transforms.studio import kinds, patterns, shipped
from transforms.studio.catalogue import (
    CANONICAL_MODELS,
    FieldSpec,
    ObjectCatalogue,
    canonical,
    catalogue,
    extended,
)
from transforms.studio.suggest import UNCUT_SHAPES
from transforms.studio.yamltext import lines

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or doubtful) in a mapping, where it is."""

    file: str
    line: int
    field: str
    code: str
    severity: str
    message: str
    known: str | None = None  # why a shipped mapping has it (then it does not fail the check)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: {self.severity} [{self.code}]"
        head = f"{where} {self.field}: {self.message}"
        return head + (f"\n    known: {self.known}" if self.known else "")


@dataclass
class Report:
    """The findings of one mapping."""

    mapping: str
    file: str
    target: str = ""
    source: str = ""
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # why nothing was checked

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR and not f.known]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING and not f.known]

    @property
    def known(self) -> list[Finding]:
        return [f for f in self.findings if f.known]

    @property
    def ok(self) -> bool:
        return not self.errors


# Findings of shipped mappings that are right as they are: (mapping, field, code) -> why.
KNOWN: dict[tuple[str, str, str], str] = {
    ("bigcommerce/product", "weight", "required"): (
        "BigCommerce requires a weight on POST; the loader adds 0 when the product has none "
        "(flows/systems/bigcommerce/catalog.py), so a missing weight never overwrites the store's"
    ),
    ("salesforce/customer_from", "billing_address.country", "length"): (
        "MailingCountry is free text (80): storebridge writes ISO codes there (contact.yaml), but "
        "a country name a CRM user types is refused by the canonical model, naming the field (a "
        "dead letter); Salesforce has no `countries` table like dynamics365/customer_from.yaml "
        "(or the org turns on State and Country Picklists, whose codes are ISO)"
    ),
    ("shift4shop/product", "SKUInfo.SKU", "length"): (
        "a SKU identifies the product and is never cut: a SKU longer than Shift4Shop's 50 "
        "characters is refused by the store, naming the field (a dead letter)"
    ),
    ("shift4shop/variant", "AdvancedOptionSufix", "length"): (
        "the suffix is the variant's SKU and is never cut: a longer one is refused by the store "
        "(a dead letter naming the field)"
    ),
}


def _file(name: str) -> str:
    return f"transforms/mappings/{name}.yaml"


def read_shipped(name: str) -> str:
    """The text of shipped mapping `name` ("salesforce/account")."""
    ref = resources.files("transforms").joinpath("mappings", *f"{name}.yaml".split("/"))
    return ref.read_text(encoding="utf-8")


def _guess(name: str, data: dict[str, Any]) -> shipped.Shipped | None:
    """How a mapping that is not shipped is applied: as the shipped one of its system and
    object (and direction, by its file name)."""
    direction = shipped.DECODE if name.rsplit("/", 1)[-1].endswith("_from") else shipped.ENCODE
    system, obj = str(data.get("system", "")), str(data.get("object", ""))
    for s in shipped.SHIPPED:
        if s.system != system or s.direction != direction:
            continue
        if _object_of(s.name).lower() == obj.lower():
            return s
    return None


def _object_of(name: str) -> str:
    try:
        data = yaml.safe_load(read_shipped(name))
    except (OSError, yaml.YAMLError):
        return ""
    return str(data.get("object", "")) if isinstance(data, dict) else ""


def _nearest(name: str, choices: list[str]) -> str:
    from rapidfuzz import fuzz, process

    found = process.extract(name, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return ", ".join(str(f[0]) for f in found)


def target_catalogue(
    info: shipped.Shipped | None, m: FieldMapping, direction: str, model: str | None
) -> ObjectCatalogue | None:
    """What a mapping writes: the system's object (encode) or canonical paths (decode)."""
    if direction == shipped.DECODE:
        if not model:
            return None
        parts: dict[str, ObjectCatalogue | dict[str, FieldSpec]] = {}
        for prefix, part in (info.decode_parts if info else {}).items():
            parts[prefix] = (
                shipped.FULFILLMENT_LINE if part == "FULFILLMENT_LINE" else canonical(part)
            )
        return extended(canonical(model), parts)
    return catalogue(m.system, m.object)


def source_catalogue(
    info: shipped.Shipped | None, m: FieldMapping, direction: str, model: str | None
) -> ObjectCatalogue | None:
    """What a mapping reads: a canonical model (encode) or the source objects (decode)."""
    if direction == shipped.ENCODE:
        return canonical(model) if model in CANONICAL_MODELS else None
    names = info.sources if info and info.sources else (m.object,)
    merged: dict[str, FieldSpec] = {}
    for obj in names:
        try:
            cat = catalogue(m.system, obj)
        except KeyError:
            continue
        for fname, spec in cat.fields.items():
            merged.setdefault(fname, spec)
    if not merged:
        return None
    return ObjectCatalogue(m.system, "+".join(names), merged)


class _Checker:
    def __init__(
        self, name: str, file: str, text: str, info: shipped.Shipped | None, model: str | None
    ) -> None:
        self.name = name
        self.file = file
        self.text = text
        self.info = info
        self.model = model or (info.model if info else None)
        self.lines = lines(text)
        self.report = Report(name, file)

    def line(self, *path: str) -> int:
        for n in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:n]))
            if found:
                return found
        return 1

    def add(self, line: int, fld: str, code: str, severity: str, message: str) -> None:
        known = KNOWN.get((self.name, fld, code)) if self.info else None
        self.report.findings.append(Finding(self.file, line, fld, code, severity, message, known))

    # --- catalogues -----------------------------------------------------------------------------
    def target_catalogue(self, m: FieldMapping) -> ObjectCatalogue | None:
        try:
            return target_catalogue(self.info, m, self.direction, self.model)
        except KeyError as exc:
            self.add(
                self.line("object"),
                m.object,
                "catalogue",
                WARNING,
                f"{exc.args[0]}: target fields are not checked",
            )
            return None

    def source_catalogue(self, m: FieldMapping) -> ObjectCatalogue | None:
        return source_catalogue(self.info, m, self.direction, self.model)

    @property
    def direction(self) -> str:
        if self.info:
            return self.info.direction
        return shipped.DECODE if self.name.endswith("_from") else shipped.ENCODE

    # --- sources --------------------------------------------------------------------------------
    def resolve_source(self, source: ObjectCatalogue, path: str) -> FieldSpec | None:
        spec = source.field(path)
        if spec is not None:
            return spec
        head, _, rest = path.partition(".")
        if self.direction == shipped.DECODE:
            if head.startswith("_") and head.endswith("_value") and not rest:
                column = source.field(head[1 : -len("_value")])
                if column is not None:
                    return FieldSpec(path, "id", label=f"{column.label} (id)")
            first = source.field(head) or source.field(f"{head}@odata.bind")
            if first is not None and rest and first.type in ("reference", "relationship", "object"):
                return self.expanded(source.system, first, path, rest)
        return None

    def expanded(self, system: str, first: FieldSpec, path: str, rest: str) -> FieldSpec | None:
        """A path through a lookup (`defaultuomid.name`, an expanded navigation property):
        checked in the referenced object's catalogue when there is one."""
        for target in (first.reference_to or "").split(" | "):
            try:
                cat = catalogue(system, target.strip())
            except KeyError:
                continue
            spec = cat.field(rest)
            if spec is not None:
                return FieldSpec(
                    path,
                    spec.type,
                    spec.length,
                    spec.scale,
                    label=f"{first.label}: {spec.label}",
                    picklist=spec.picklist,
                )
            return None
        return FieldSpec(path, "string", label=f"{first.label} (expanded)")

    def source_kind(self, fld: str, rule: FieldRule, source: ObjectCatalogue | None) -> kinds.Kind:
        if rule.const is not None:
            return kinds.of_value(rule.const)
        paths = (rule.source,) if isinstance(rule.source, str) else tuple(rule.source or ())
        found: list[kinds.Kind] = []
        for path in paths:
            if path.startswith("ctx."):
                found.append(kinds.ANY)
                continue
            if source is None:
                found.append(kinds.ANY)
                continue
            spec = self.resolve_source(source, path)
            if spec is None:
                near = _nearest(path, list(source.fields))
                hint = f" (nearest: {near})" if near else ""
                self.add(
                    self.line("fields", fld),
                    fld,
                    "unknown-source",
                    ERROR,
                    f"{path!r} is not a field of {source.system} {source.object}{hint}",
                )
                found.append(kinds.ANY)
                continue
            found.append(kinds.of_field(spec))
        return kinds.union(found)

    # --- one field ------------------------------------------------------------------------------
    def never_empty(self, rule: FieldRule, source: ObjectCatalogue | None) -> bool:
        """Whether the first `from` path is a required field of the source (never None)."""
        paths = (rule.source,) if isinstance(rule.source, str) else tuple(rule.source or ())
        if not paths or source is None or paths[0].startswith("ctx."):
            return False
        spec = self.resolve_source(source, paths[0])
        return bool(spec and spec.required and "." not in paths[0])

    def converter_args(self, fld: str, rule: FieldRule) -> None:
        for step in rule.convert:
            name, _, arg = step.partition(":")
            bad = None
            if name == "truncate" and not arg.isdigit():
                bad = "truncate needs a length (truncate:40)"
            elif name == "line" and arg and not arg.isdigit():
                bad = f"line:{arg}: the line must be a whole number (line:2)"
            elif name in ("number", "money", "quantity") and arg and not arg.isdigit():
                bad = f"{name}:{arg}: the places must be a whole number"
            elif name == "e164" and arg:
                import phonenumbers

                region = arg.partition(":")[0].upper()
                if region and region not in phonenumbers.SUPPORTED_REGIONS:
                    bad = f"e164:{arg}: {region!r} is no region phonenumbers knows"
            elif name == "us_address" and arg:
                from transforms.converters import US_ADDRESS_PARTS

                if arg not in US_ADDRESS_PARTS:
                    bad = f"us_address:{arg}: no such part ({', '.join(US_ADDRESS_PARTS)})"
            if bad:
                self.add(self.line("fields", fld), fld, "converter", ERROR, bad)

    def check_field(
        self,
        m: FieldMapping,
        fld: str,
        rule: FieldRule,
        target: ObjectCatalogue | None,
        source: ObjectCatalogue | None,
    ) -> None:
        line = self.line("fields", fld)
        spec = target.field(fld) if target else None
        if target is not None and spec is None:
            near = _nearest(fld, list(target.fields))
            hint = f" (nearest: {near})" if near else ""
            what = f"{target.system} {target.object}"
            self.add(line, fld, "unknown-field", ERROR, f"{what} has no field {fld!r}{hint}")
        kind = self.source_kind(fld, rule, source)
        self.converter_args(fld, rule)
        kind, problems = kinds.through(rule.convert, kind)
        for problem in problems:
            self.add(line, fld, "type", ERROR, problem)
        if rule.lookup:
            rows = m.tables.get(rule.lookup, {})
            kind = kinds.union([kinds.of_value(v) for v in rows.values() if v is not None])
        if spec is None:
            return
        if spec.read_only:
            self.add(
                line,
                fld,
                "read-only",
                ERROR,
                f"{fld} is computed by {target.system if target else 'the target'}: "
                "a write is refused or ignored",
            )
        verdict = kinds.accepts(spec, kind)
        if verdict:
            severity, reason = verdict
            self.add(line, fld, "type", severity, f"{reason} (the field is {_describe(spec)})")
        self.check_length(m, fld, rule, spec, kind, line)
        misses = kinds.picklist_misses(spec, kind)
        if misses:
            where = line
            if rule.lookup:
                rows = m.tables.get(rule.lookup, {})
                bad_keys = [k for k, v in rows.items() if v in misses]
                where = self.line("tables", rule.lookup, *(bad_keys[:1] or []))
            values = ", ".join(repr(v) for v in misses)
            allowed = ", ".join(repr(v) for v in spec.picklist[:12])
            self.add(
                where, fld, "picklist", ERROR, f"{values} not in the picklist of {fld} ({allowed})"
            )
        updates = self.info is None or self.info.updates
        encoding = self.direction == shipped.ENCODE
        if updates and encoding and spec.create_only and m.written_on_update(fld):
            self.add(
                line,
                fld,
                "create-only",
                ERROR,
                f"{fld} can only be written on create: mark it only_on_create",
            )
        creates = self.info is None or self.info.creates
        if (
            spec.required
            and creates
            and not rule.required
            and rule.const is None
            and rule.default is None
            and self.direction == shipped.ENCODE
            and not self.never_empty(rule, source)
        ):
            self.add(
                line,
                fld,
                "required",
                WARNING,
                f"{fld} is required on create but may be empty here: add `required: true` "
                "so the record fails before the write",
            )

    def check_length(
        self,
        m: FieldMapping,
        fld: str,
        rule: FieldRule,
        spec: FieldSpec,
        kind: kinds.Kind,
        line: int,
    ) -> None:
        if spec.length is None or spec.type not in ("string", "text", "email", "phone", "url"):
            return
        declared = _declared_max(m, fld)
        if declared is not None and declared != spec.length:
            self.add(
                self.line("tables", "columns", fld),
                fld,
                "length",
                ERROR,
                f"tables.columns says at most {declared} characters, the field holds {spec.length}",
            )
        if kind.base != "text":
            return
        if kind.length is not None and kind.length > spec.length:
            self.add(
                line,
                fld,
                "length",
                ERROR,
                f"values of up to {kind.length} characters, the field holds {spec.length}"
                f" (truncate:{spec.length})",
            )
        elif kind.length is None and declared is None and rule.const is None:
            shape = patterns.expected(spec)
            self.add(
                line,
                fld,
                "length",
                WARNING,
                f"text of unknown length into {spec.length} characters: longer values are "
                + (
                    f"refused (an identifier: never cut, {shape})"
                    if shape in UNCUT_SHAPES
                    else f"refused (add truncate:{spec.length} to cut them)"
                ),
            )

    # --- the whole mapping ----------------------------------------------------------------------
    def run(self) -> Report:
        try:
            data = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            self.add((mark.line + 1) if mark else 1, "-", "load", ERROR, f"not YAML: {exc}")
            return self.report
        if not isinstance(data, dict) or "fields" not in data:
            self.report.skipped = "not a field mapping (no `fields`)"
            return self.report
        if self.info is None:
            self.info = _guess(self.name, data)
            self.model = self.model or (self.info.model if self.info else None)
        try:
            m = FieldMapping.model_validate({"name": self.name, **data})
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(x) for x in err["loc"]]
                fld = loc[1] if len(loc) > 1 and loc[0] == "fields" else ".".join(loc) or "-"
                self.add(self.line(*loc), fld, "load", ERROR, err["msg"])
            return self.report
        target = self.target_catalogue(m)
        source = self.source_catalogue(m)
        self.report.target = f"{target.system} {target.object}" if target else m.object
        self.report.source = f"{source.system} {source.object}" if source else "?"
        for fld, rule in m.fields.items():
            self.check_field(m, fld, rule, target, source)
        if target is not None and self.direction == shipped.ENCODE:
            self.check_required(m, target)
        return self.report

    def check_required(self, m: FieldMapping, target: ObjectCatalogue) -> None:
        if self.info is not None and not self.info.creates:
            return
        if "create" not in target.operations:
            return
        mapped = {k.lower() for k in m.fields}
        line = self.line("fields")
        for spec in target.fields.values():
            if spec.required and not spec.read_only and spec.name.lower() not in mapped:
                self.add(
                    line,
                    spec.name,
                    "required",
                    ERROR,
                    f"{target.system} {target.object} needs {spec.name} on create "
                    f"({_describe(spec)}); the mapping does not write it",
                )
        for group in target.required_one_of:
            if not any(g.lower() in mapped for g in group):
                self.add(
                    line,
                    " | ".join(group),
                    "required",
                    ERROR,
                    f"{target.system} {target.object} needs one of {', '.join(group)} "
                    "on create; the mapping writes none",
                )


def _declared_max(m: FieldMapping, fld: str) -> int | None:
    row = m.tables.get("columns", {}).get(fld)
    if isinstance(row, dict) and isinstance(row.get("max"), int):
        return int(row["max"])
    return None


def _describe(spec: FieldSpec) -> str:
    text = spec.type
    if spec.length:
        text += f"({spec.length})"
    if spec.native and spec.native != spec.type:
        text += f", {spec.native}"
    return text


def check(
    name: str, text: str | None = None, *, file: str | None = None, model: str | None = None
) -> Report:
    """Check mapping `name` ("salesforce/account"): the shipped file, or `text` (then `file`
    is what findings name). `model` is the canonical model an encode mapping reads when it is
    not shipped (default: the shipped mapping's of the same system and object)."""
    info = shipped.info(name)
    source_text = read_shipped(name) if text is None else text
    if name in shipped.NOT_FIELD_MAPPINGS and text is None:
        report = Report(name, _file(name))
        report.skipped = shipped.NOT_FIELD_MAPPINGS[name]
        return report
    return _Checker(
        name, file or _file(name), source_text, info if text is None else info or None, model
    ).run()


def check_all(names: list[str] | None = None) -> list[Report]:
    """Check every shipped field mapping (or `names`)."""
    return [check(n) for n in (names or shipped.mapping_names())]
