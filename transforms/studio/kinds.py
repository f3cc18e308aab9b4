"""The kind of value a mapping expression yields, and whether a field accepts it.

A kind is what the studio knows about a value before any record passes: its base (text,
integer, decimal, money, boolean, datetime, date, time, address, object, list, any), its longest
length when known (`truncate:40` → 40, a country code → 2, a lookup → its longest entry), and
its possible values when they are few (a lookup table, a constant, an enum). `of_field` reads
it from a catalogue field, `through` follows a converter chain (`converters.SIGNATURES`),
`accepts` says whether a target field takes it (an error, a warning or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from transforms.converters import SIGNATURES
from transforms.studio.catalogue import TEXT_TYPES, FieldSpec

BASES = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "money",
        "boolean",
        "datetime",
        "date",
        "time",
        "address",
        "object",
        "list",
        "any",
    }
)


@dataclass(frozen=True)
class Kind:
    """What a value is known to be."""

    base: str
    length: int | None = None  # the longest text it can be (None: unknown)
    values: tuple[Any, ...] = ()  # the only values it can take (empty: not known)
    model: str | None = None  # object/list: the canonical model, when known

    def describe(self) -> str:
        text = self.base
        if self.model:
            text += f" ({self.model})"
        if self.values and len(self.values) <= 6:
            text += " in {" + ", ".join(repr(v) for v in self.values) + "}"
        elif self.values:
            text += f" ({len(self.values)} values)"
        if self.length is not None and self.base == "text":
            text += f" of at most {self.length} characters"
        return text


ANY = Kind("any")
FIELD_BASES = {
    "string": "text",
    "text": "text",
    "email": "text",
    "phone": "text",
    "url": "text",
    "id": "text",
    "reference": "text",
    "relationship": "any",
    "integer": "integer",
    "decimal": "decimal",
    "currency": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "array": "list",
    "object": "object",
}


def of_field(spec: FieldSpec) -> Kind:
    """The kind of what a field holds (a source field, a canonical path)."""
    if spec.type == "object" and spec.model == "Money":
        return Kind("money")
    if spec.type == "object" and spec.model == "Address":
        return Kind("address", model="Address")
    if spec.type == "picklist":
        values = spec.picklist
        base = "integer" if values and all(isinstance(v, int) for v in values) else "text"
        length = max((len(str(v)) for v in values), default=None) if base == "text" else None
        return Kind(base, length or spec.length, values)
    base = FIELD_BASES.get(spec.type, "any")
    length = spec.length if base == "text" else None
    return Kind(base, length, model=spec.model)


def of_value(value: Any) -> Kind:
    """The kind of a literal (a `const`, a table entry)."""
    if isinstance(value, bool):
        return Kind("boolean", values=(value,))
    if isinstance(value, int):
        return Kind("integer", values=(value,))
    if isinstance(value, float):
        return Kind("decimal", values=(value,))
    if isinstance(value, str):
        return Kind("text", len(value), (value,))
    if isinstance(value, dict):
        return Kind("object")
    if isinstance(value, list):
        return Kind("list")
    return ANY


def union(kinds: list[Kind]) -> Kind:
    """One kind covering several (a lookup's entries, a list of `from` paths)."""
    if not kinds:
        return ANY
    bases = {k.base for k in kinds}
    if len(bases) > 1:
        bases.discard("any")
    if len(bases) != 1:
        return ANY
    base = bases.pop()
    lengths = [k.length for k in kinds]
    length = None if any(n is None for n in lengths) else max(n for n in lengths if n is not None)
    values: tuple[Any, ...] = ()
    if all(k.values for k in kinds):
        values = tuple(dict.fromkeys(v for k in kinds for v in k.values))
    models = {k.model for k in kinds}
    return Kind(base, length, values, models.pop() if len(models) == 1 else None)


# Fixed lengths and values of what some converters give
PAYMENT_STATES = ("unpaid", "authorized", "paid", "partially_refunded", "refunded")
FIXED: dict[str, Kind] = {
    "us_date": Kind("date", 10),
    "local_date": Kind("date", 10),
    "iso_datetime": Kind("datetime", 27),
    "payment_state": Kind("text", 18, PAYMENT_STATES),
    "e164": Kind("text", 16),
}


def signature(name: str) -> tuple[frozenset[str], str]:
    """(the kinds converter `name` takes, the kind it gives)."""
    text = SIGNATURES.get(name)
    if text is None:
        return frozenset({"any"}), "any"
    inputs, _, output = text.partition("->")
    return frozenset(inputs.split()), output.strip()


def through(steps: tuple[str, ...], kind: Kind) -> tuple[Kind, list[str]]:
    """`kind` after a converter chain, and what does not fit ("truncate needs text, got
    address"). A kind of `any` goes through unchecked."""
    problems: list[str] = []
    for step in steps:
        name, _, arg = step.partition(":")
        inputs, output = signature(name)
        if kind.base != "any" and "any" not in inputs and kind.base not in inputs:
            got = kind.describe()
            problems.append(f"{name} takes {' or '.join(sorted(inputs))}, the value is {got}")
        if name in FIXED:
            kind = FIXED[name]
            continue
        if name == "truncate" and arg.isdigit():
            limit = int(arg)
            length = limit if kind.length is None else min(kind.length, limit)
            kind = Kind("text", length, kind.values if kind.base == "text" else ())
            continue
        if name == "us_address":
            kind = Kind("text", None) if arg else Kind("object")
            if arg == "country":
                kind = Kind("text", 2, ("US",))
            elif arg == "region":
                kind = Kind("text", 2)
            continue
        if name in ("strip", "upper", "lower", "line", "html_text", "email"):
            same_length = kind.length if kind.base == "text" else None
            kind = Kind("text", same_length, () if name in ("line", "html_text") else kind.values)
            if name in ("upper", "lower") and kind.values:
                fold = str.upper if name == "upper" else str.lower
                kind = replace(kind, values=tuple(fold(str(v)) for v in kind.values))
            continue
        if name == "str":
            kind = Kind("text", kind.length if kind.base == "text" else None, kind.values)
            continue
        kind = Kind(output) if output in BASES else ANY
    return kind, problems


def accepts(target: FieldSpec, kind: Kind) -> tuple[str, str] | None:
    """Whether `target` takes a value of `kind`: None, or (severity, reason)."""
    t = target.type
    b = kind.base
    if b == "any" or t in ("relationship",):
        return None
    if t == "picklist":
        numeric = bool(target.picklist) and all(isinstance(v, int) for v in target.picklist)
        if b in ("integer", "boolean") or (b == "text" and not numeric):
            return None
        if b == "text":
            return ("warning", "text into a picklist of numbers: it must be the number")
        return ("error", f"{kind.describe()} into a picklist")
    if t in TEXT_TYPES or t == "reference":
        if b in ("text", "date"):
            return None
        if b in ("integer", "decimal"):
            return ("warning", f"a number into a {t} field: it is written as its digits")
        if b == "datetime":
            return (
                "warning",
                f"a datetime into a {t} field: convert it (iso_datetime, local_date)",
            )
        if b == "address":
            return (
                "error",
                f"an Address into a {t} field: take one part "
                "(billing_address.city) or convert it (street)",
            )
        if b == "money":
            return ("error", f"a Money object into a {t} field: convert it (number:2, money:2)")
        if b in ("list", "object"):
            return ("error", f"a {b} into a {t} field: convert it (join)")
        if b == "boolean":
            return ("error", f"a boolean into a {t} field")
        return None
    if t == "integer":
        if b == "integer":
            return None
        if b == "decimal":
            return ("warning", "a decimal into an integer field: fractions are refused")
        if b == "text" and kind.values and all(str(v).lstrip("-").isdigit() for v in kind.values):
            return ("warning", "digits as text into an integer field")
        return ("error", f"{kind.describe()} into an integer field")
    if t in ("decimal", "currency"):
        if b in ("decimal", "integer"):
            return None
        if b == "money":
            return ("error", f"a Money object into a {t} field: convert it (number:2, money:2)")
        return ("error", f"{kind.describe()} into a {t} field: convert it (decimal, money)")
    if t == "boolean":
        return None if b == "boolean" else ("error", f"{kind.describe()} into a boolean field")
    if t == "date":
        if b == "date":
            return None
        if b == "datetime":
            return ("error", "a datetime into a date field: convert it (local_date)")
        if b == "text":
            return ("warning", "text into a date field: it must be YYYY-MM-DD")
        return ("error", f"{kind.describe()} into a date field")
    if t == "datetime":
        if b == "datetime":
            return None
        if b in ("date", "text"):
            return ("warning", f"{b} into a datetime field: it must be ISO 8601")
        return ("error", f"{kind.describe()} into a datetime field")
    if t == "time":
        return None if b in ("time", "text") else ("error", f"{kind.describe()} into a time field")
    if t == "array":
        return None if b == "list" else ("error", f"{kind.describe()} into a list field")
    if t == "object":
        if b in ("object", "address", "money"):
            return None
        return ("error", f"{kind.describe()} into an object field")
    return None


def picklist_misses(target: FieldSpec, kind: Kind) -> list[Any]:
    """The values `kind` may take that the target's picklist does not have."""
    if not target.picklist or not kind.values:
        return []
    allowed = {str(v) for v in target.picklist}
    return [v for v in kind.values if v is not None and str(v) not in allowed]
