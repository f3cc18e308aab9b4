"""Scored suggestions (0–1) for the unmapped fields of a mapping, with their reasons.

For each target field, every source candidate (a canonical path for an encode mapping, a field
of the source objects for a decode mapping) gets a score from:

* **name** (weight 0.45): the field's and the candidate's names and labels as normalised tokens
  (camelCase, snake_case and glued words such as `stateorprovince` split; abbreviations and
  synonyms folded into one concept: Mailing/Bill-To/address1 → billing, Zip/Postal → postal,
  TEXTPHON → phone), compared by a weighted Dice overlap (rare concepts weigh more) and
  `rapidfuzz` token-set similarity;
* **description** (0.10): the candidate's concepts found in the field's description;
* **type** (0.20): whether the field accepts the candidate's kind, directly (1), through a
  converter the suggestion then proposes (0.8: `number:2` for Money, `street` for an Address,
  `local_date` for a datetime, `decimal`/`datetime` when decoding text), doubtfully (0.4) or
  not at all (0);
* **values** (0.20): the dominant shape of the candidate's sample values (e-mail, phone, date,
  money, country/region code, postal code, SKU, GTIN) against the shape the field wants (from its
  type and name); neutral (0.5) without samples;
* **length** (0.05): the candidate fits the field's length (a cut is proposed when not).

Reasons list what counted. `rank` orders the candidates of one field; `suggest` does it for every
unmapped field of a mapping.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from transforms.studio import kinds, patterns
from transforms.studio.catalogue import FieldSpec, ObjectCatalogue

UNCUT_SHAPES = frozenset({"email", "phone", "sku", "gtin", "url", "id"})  # never cut to fit
WEIGHTS = {"name": 0.45, "description": 0.10, "type": 0.20, "values": 0.20, "length": 0.05}
THRESHOLD = 0.70  # `--write` accepts suggestions at or above this score

# glued or abbreviated words -> their parts (checked before splitting)
GLUED: dict[str, tuple[str, ...]] = {
    "stateorprovince": ("region",),
    "zippostalcode": ("postal",),
    "postalcode": ("postal",),
    "zipcode": ("postal",),
    "postcode": ("postal",),
    "emailaddress": ("email",),
    "phonenumber": ("phone",),
    "productcode": ("sku",),
    "productnumber": ("sku",),
    "itemno": ("sku",),
    "itemnumber": ("sku",),
    "unformatteditemnumber": ("sku",),
    "priceperunit": ("price", "unit"),
    "unitprice": ("price", "unit"),
    "listprice": ("price",),
    "trackingnumber": ("tracking",),
    "trackingcode": ("tracking",),
    "shiptrack": ("tracking",),
    "shipvia": ("carrier",),
    "statecode": ("status",),
    "statuscode": ("status",),
    "billto": ("billing",),
    "shipto": ("shipping",),
    "address1": ("billing", "address"),
    "address2": ("shipping", "address"),
    "modstamp": ("updated",),
    "modifiedon": ("updated",),
    "systemmodstamp": ("updated",),
    "lastmodifieddate": ("updated",),
    "firstname": ("first", "name"),
    "lastname": ("last", "name"),
    "fullname": ("full", "name"),
    "isactive": ("active",),
    "isvisible": ("active",),
    "ponumber": ("number",),
    "textphon": ("phone",),
    "namecity": ("city",),
    "codepstl": ("postal",),
    "codestte": ("region",),
    "codectry": ("country",),
    "textstre": ("street",),
    "unitwgt": ("weight",),
    "stockweight": ("weight",),
    "qtyonhand": ("quantity", "hand"),
    "qtyallocated": ("reserved",),
    "qtycommit": ("reserved",),
    "quantityshipped": ("quantity", "shipped"),
    "qtyshipped": ("quantity", "shipped"),
    "ordqtyord": ("ordered", "quantity"),
    "shipment": ("shipped",),
    "shipments": ("shipped",),
    "storebridge": (),
}
SYNONYMS: dict[str, str] = {
    "mailing": "billing",
    "bill": "billing",
    "invoice": "billing",
    "primary": "billing",
    "ship": "shipping",
    "delivery": "shipping",
    "freight": "shipping",
    "zip": "postal",
    "pstl": "postal",
    "state": "region",
    "province": "region",
    "stte": "region",
    "county": "region",
    "town": "city",
    "ctry": "country",
    "nation": "country",
    "telephone": "phone",
    "tel": "phone",
    "phon": "phone",
    "mail": "email",
    "given": "first",
    "forename": "first",
    "surname": "last",
    "family": "last",
    "organization": "company",
    "organisation": "company",
    "account": "company",
    "item": "sku",
    "method": "service",
    "source": "store",
    "at": "",
    "system": "",
    "desc": "description",
    "details": "description",
    "comment": "note",
    "comments": "note",
    "notes": "note",
    "qty": "quantity",
    "provider": "carrier",
    "no": "number",
    "num": "number",
    "nbr": "number",
    "paid": "payment",
    "payments": "payment",
    "pay": "payment",
    "upc": "gtin",
    "ean": "gtin",
    "barcode": "gtin",
    "enabled": "active",
    "visible": "active",
    "hide": "inactive",
    "hidden": "inactive",
    "disabled": "inactive",
    "wgt": "weight",
    "modified": "updated",
    "placed": "date",
    "effective": "date",
    "submit": "date",
    "ordered": "ordered",
    "coupons": "coupon",
    "ref": "reference",
    "stre": "street",
    "addr": "address",
    "code": "",
    "the": "",
    "of": "",
    "a": "",
    "to": "",
    "c": "",
    "r": "",
    "storebridge": "",
    "type": "kind",
}
VOCABULARY = sorted(
    {
        "address",
        "line",
        "city",
        "state",
        "province",
        "postal",
        "code",
        "zip",
        "country",
        "telephone",
        "phone",
        "email",
        "first",
        "last",
        "name",
        "full",
        "company",
        "street",
        "bill",
        "ship",
        "to",
        "order",
        "number",
        "date",
        "submit",
        "description",
        "price",
        "per",
        "unit",
        "quantity",
        "shipped",
        "status",
        "tracking",
        "carrier",
        "amount",
        "discount",
        "total",
        "freight",
        "coupon",
        "codes",
        "paid",
        "payment",
        "reference",
        "store",
        "contact",
        "customer",
        "product",
        "item",
        "stock",
        "weight",
        "active",
        "mobile",
        "fax",
        "or",
        "id",
        "on",
        "hand",
        "allocated",
        "available",
        "level",
        "location",
        "warehouse",
        "currency",
        "tax",
        "shipping",
        "billing",
        "method",
        "service",
        "default",
        "list",
        "sales",
        "detail",
        "override",
        "overridden",
        "locked",
        "is",
        "text",
        "composite",
        "time",
        "modified",
        "created",
        "owner",
    },
    key=len,
    reverse=True,
)
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _segment(word: str) -> list[str]:
    """A glued lowercase word split by the vocabulary (`emailaddress` → email, address)."""
    if word in GLUED:
        return list(GLUED[word])
    if len(word) <= 6:
        return [word]
    out: list[str] = []
    rest = word
    while rest:
        found = next((v for v in VOCABULARY if rest.startswith(v)), None)
        if found is None:
            return [word] if not out else [*out, rest]
        out.append(found)
        rest = rest[len(found) :]
    return out


def _merge(pieces: list[str]) -> list[str]:
    """Pieces with glued words put back together (`Phone`+`Number` → phonenumber)."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        for size in (3, 2):
            joined = "".join(pieces[i : i + size]).lower()
            if i + size <= len(pieces) and joined in GLUED:
                out.append(joined)
                i += size
                break
        else:
            out.append(pieces[i])
            i += 1
    return out


_NUMBERED_ADDRESS = re.compile(r"(?i)\baddress[\s_:]*([12])(?![0-9])")


def _pieces(text: str) -> list[str]:
    """Lowercase pieces of a name or label: camelCase split, digits apart (`line1` → line, 1),
    "Address 1" kept as one piece (address1: the primary address)."""
    text = _NUMBERED_ADDRESS.sub(lambda m: f" address{m.group(1)} ", text)
    out: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", text):
        if not chunk:
            continue
        lowered = chunk.lower()
        if lowered in GLUED:
            out.append(lowered)
            continue
        stem = lowered.rstrip("0123456789")
        if stem in GLUED and stem not in ("address",):
            out += [stem, lowered[len(stem) :]]
            continue
        for piece in _CAMEL.findall(chunk):
            low = piece.lower()
            stem = low.rstrip("0123456789")
            if stem:
                out.append(stem)
            if low[len(stem) :]:
                out.append(low[len(stem) :])
    return _merge(out)


def tokens(text: str) -> list[str]:
    """`BillingPostalCode` → billing, postal; `address1_stateorprovince` → billing, address,
    region; `TEXTPHON1` → phone, 1 (concepts, synonyms folded, stop words dropped)."""
    pieces = _pieces(text)
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if piece in GLUED:
            parts = list(GLUED[piece])
        elif piece == "line" and i + 1 < len(pieces) and pieces[i + 1].isdigit():
            parts = ["street"]  # line1, AddressLine2: a street line
        elif piece.isalpha() and len(piece) > 6:
            parts = _segment(piece)
        else:
            parts = [piece]
        for p in parts:
            folded = SYNONYMS.get(p, p)
            if folded:
                out.append(folded)
    return out


@dataclass(frozen=True)
class Candidate:
    """A source a field could be made of."""

    path: str
    spec: FieldSpec
    kind: kinds.Kind
    samples: tuple[Any, ...] = ()
    primary: bool = True  # of the mapping's own object (not a related one)

    @property
    def words(self) -> list[str]:
        words = tokens(self.path) + tokens(self.spec.label)
        if self.kind.base == "address":
            words += ["street", "address"]
        if self.kind.base == "list" and self.path.endswith("payments"):
            words += ["payment", "amount", "reference"]
        return words


@dataclass(frozen=True)
class Suggestion:
    """A scored suggestion: `target` made of `source` (through `convert`)."""

    target: str
    source: str
    score: float
    convert: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    features: dict[str, float] = field(default_factory=dict)

    def rule(self) -> str:
        """The mapping rule as YAML flow text: `{from: email, convert: ["truncate:80"]}`."""
        parts = [f"from: {self.source}"]
        if self.convert:
            parts.append("convert: [" + ", ".join(_quote(c) for c in self.convert) + "]")
        return "{" + ", ".join(parts) + "}"


def _leaf(path: str) -> str:
    return re.sub(r"[^a-z0-9]", "", path.rsplit(".", 1)[-1].lower())


def _quote(step: str) -> str:
    return f'"{step}"' if ":" in step else step


def _weights(candidates: Sequence[Candidate]) -> dict[str, float]:
    """Inverse document frequency of each concept over the candidates."""
    df: Counter[str] = Counter()
    for c in candidates:
        df.update(set(c.words))
    n = max(len(candidates), 1)
    return {w: math.log(1 + n / d) for w, d in df.items()}


def _dice(a: Iterable[str], b: Iterable[str], w: Mapping[str, float]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0

    def weight(words: set[str]) -> float:
        return sum(w.get(t, 1.5) for t in words)

    return 2 * weight(sa & sb) / (weight(sa) + weight(sb))


def _conversion(
    target: FieldSpec, c: Candidate, decoding: bool
) -> tuple[float, tuple[str, ...], str]:
    """(type score, converters to apply, reason)."""
    verdict = kinds.accepts(target, c.kind)
    if verdict is None:
        return 1.0, (), f"type fits ({c.kind.describe()} into {target.type})"
    severity, reason = verdict
    b, t = c.kind.base, target.type
    scale = target.scale or 2
    fixes: dict[tuple[str, str], tuple[str, ...]] = {
        ("money", "decimal"): (f"number:{scale}",),
        ("money", "currency"): (f"number:{scale}",),
        ("money", "integer"): ("number:0",),
        ("address", "text"): ("street",),
        ("address", "string"): ("street",),
        ("datetime", "date"): ("local_date",),
        ("datetime", "string"): ("iso_datetime",),
        ("text", "decimal"): ("decimal",),
        ("text", "datetime"): ("datetime",),
        ("date", "datetime"): ("date_utc",),
        ("list", "string"): ("join",),
        ("list", "text"): ("join",),
    }
    if c.kind.base == "list" and c.path.endswith("payments"):
        fixes[("list", "decimal")] = ("paid", f"number:{scale}")
        fixes[("list", "currency")] = ("paid", f"number:{scale}")
        fixes[("list", "string")] = ("payment_state",)
    fix = fixes.get((b, t))
    if fix is None and decoding and b == "text" and t in ("decimal", "currency"):
        fix = ("decimal",)
    if fix:
        return 0.8, fix, f"type fits through {', '.join(fix)}"
    if severity == "warning":
        return 0.4, (), f"type doubtful: {reason}"
    return 0.0, (), f"type does not fit: {reason}"


def target_words(target: FieldSpec, context: Iterable[str] = ()) -> list[str]:
    """The concepts of a target field's name and label, without those of its context (the
    object's own name: Shift4Shop's `ShipmentTrackingCode` on a Shipment is a tracking code)."""
    words = tokens(target.name) + tokens(target.label)
    drop = set(context)
    kept = [w for w in words if w not in drop]
    return kept or words


def features(
    target: FieldSpec,
    c: Candidate,
    w: Mapping[str, float],
    decoding: bool,
    context: Iterable[str] = (),
) -> tuple[dict[str, float], tuple[str, ...], list[str]]:
    """The feature values of a (field, candidate) pair, the proposed converters, the reasons."""
    t_words = target_words(target, context)
    c_words = c.words
    dice = _dice(t_words, c_words, w)
    fz = fuzz.token_set_ratio(" ".join(sorted(set(t_words))), " ".join(sorted(set(c_words))))
    name = 0.7 * dice + 0.3 * fz / 100
    reasons = []
    shared = sorted(set(t_words) & set(c_words))
    if shared:
        reasons.append(f"name: {', '.join(shared)} ({name:.2f})")
    desc_words = set(tokens(target.description))
    desc = 0.0
    if desc_words and c_words:
        got = sum(w.get(t, 1.5) for t in set(c_words) & desc_words)
        desc = min(1.0, got / max(sum(w.get(t, 1.5) for t in set(c_words)), 1e-9))
        if desc >= 0.5:
            reasons.append(f"description mentions {', '.join(sorted(set(c_words) & desc_words))}")
    type_score, convert, type_reason = _conversion(target, c, decoding)
    reasons.append(type_reason)
    want = patterns.expected(target)
    shape, share, seen = patterns.profile(c.samples)
    agree = patterns.agreement(want, shape)
    values = 0.5 if agree is None else agree * share + 0.5 * (1 - share) * (agree > 0)
    if agree is not None and seen:
        reasons.append(f"values look like {shape} ({share:.0%} of {seen}), the field wants {want}")
    length = 1.0
    if target.length and c.kind.base == "text":
        if c.kind.length is not None and c.kind.length > target.length:
            length = 0.5
            convert = (*convert, f"truncate:{target.length}")
        elif c.kind.length is None:
            longest = max((len(str(v)) for v in c.samples if v is not None), default=0)
            if longest > target.length:
                length = 0.5
                reasons.append(
                    f"samples up to {longest} characters, the field holds {target.length}"
                )
            if want not in UNCUT_SHAPES and not decoding:
                convert = (*convert, f"truncate:{target.length}")
    feats = {
        "name": name,
        "description": desc,
        "type": type_score,
        "values": values,
        "length": length,
        "dice": dice,
        "fuzz": fz / 100,
        "depth": 1.0 / (1 + c.path.count(".")),
        "billing": 1.0
        if c.path.startswith(("billing_address", "customer.billing")) and "shipping" not in t_words
        else 0.0,
        "primary": 1.0 if c.primary else 0.0,
        "exact": 1.0 if _leaf(target.name) == _leaf(c.path) else 0.0,
        "first": 1.0 if c.path[-1:] == "1" and not target.name[-1:].isdigit() else 0.0,
    }
    return feats, convert, reasons


def score_of(feats: Mapping[str, float]) -> float:
    """The rules' score of a pair from its features (0–1)."""
    base = sum(WEIGHTS[k] * feats[k] for k in WEIGHTS)
    tie_breaks = (
        0.01 * feats.get("depth", 0)
        + 0.01 * feats.get("billing", 0)
        + 0.02 * feats.get("primary", 0)
        + 0.03 * feats.get("exact", 0)
        + 0.01 * feats.get("first", 0)
    )
    return round(min(1.0, base + tie_breaks), 3)


def rank(
    target: FieldSpec,
    candidates: Sequence[Candidate],
    *,
    decoding: bool = False,
    limit: int = 3,
    weights: Mapping[str, float] | None = None,
    scorer: Any = None,
    context: Iterable[str] = (),
) -> list[Suggestion]:
    """The best `limit` candidates for `target`, best first. `scorer` (features → score) may
    replace the rules (the benchmark's trained model); `context` are words of the object that
    say nothing about one field."""
    w = weights if weights is not None else _weights(candidates)
    context = list(context)
    out = []
    for c in candidates:
        feats, convert, reasons = features(target, c, w, decoding, context)
        score = float(scorer(feats)) if scorer else score_of(feats)
        out.append(Suggestion(target.name, c.path, round(score, 3), convert, tuple(reasons), feats))
    out.sort(key=lambda s: (-s.score, s.source))
    return out[:limit]


# --- candidates ----------------------------------------------------------------------------------
SKIP_CANONICAL = ("ref.system", "ref.entity", ".ref.", "customer.ref", "addresses")
EXCLUDE_MONEY_PARTS = (".amount",)  # a Money is mapped whole (number:2); its currency alone
ALIASES = frozenset({"method"})  # older names of fields (Shipment.method is its service)


def canonical_candidates(cat: ObjectCatalogue, samples: Sequence[Any] = ()) -> list[Candidate]:
    """The paths of a canonical model an encode mapping may read (Money and Address as whole
    values; their parts are reached through converters), with sample values."""
    from transforms.mapping import resolve

    money_paths = {p for p, s in cat.fields.items() if s.type == "object" and s.model == "Money"}
    out = []
    for path, spec in cat.fields.items():
        if any(part in path for part in SKIP_CANONICAL) or path in ("ref", *ALIASES):
            continue
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if parent in money_paths and path.endswith(EXCLUDE_MONEY_PARTS):
            continue
        if spec.type == "object" and spec.model not in ("Money", "Address"):
            continue
        if spec.type == "array" and path not in ("payments", "coupons"):
            continue
        values = tuple(_sample(resolve(r, path, {})) for r in samples)
        out.append(Candidate(path, spec, kinds.of_field(spec), values))
    return out


def _sample(value: Any) -> Any:
    """A sample value as a field would get it: an Address as its street lines."""
    if hasattr(value, "line1") and hasattr(value, "postal_code"):
        return "\n".join(p for p in (value.line1, value.line2) if p) or None
    return value


def source_candidates(
    cat: ObjectCatalogue,
    samples: Sequence[Mapping[str, Any]] = (),
    primary: Iterable[str] | None = None,
) -> list[Candidate]:
    """The fields of a source system's objects a decode mapping may read, with sample values;
    `primary` names the fields of the mapping's own object (the others are related ones)."""
    own = set(primary) if primary is not None else set(cat.fields)
    out = []
    for name, spec in cat.fields.items():
        if spec.type in ("relationship",) or name.endswith("@odata.bind"):
            continue
        values = tuple(_get(r, name) for r in samples)
        out.append(Candidate(name, spec, kinds.of_field(spec), values, name in own))
    return out


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        if name in record:
            return record[name]
        lowered = {str(k).lower(): v for k, v in record.items()}
        return lowered.get(name.lower())
    return getattr(record, name, None)


def suggest(
    targets: Iterable[FieldSpec],
    candidates: Sequence[Candidate],
    *,
    decoding: bool = False,
    limit: int = 3,
    scorer: Any = None,
    context: Iterable[str] = (),
) -> dict[str, list[Suggestion]]:
    """Ranked suggestions for each of `targets`."""
    w = _weights(candidates)
    context = list(context)
    return {
        t.name: rank(
            t, candidates, decoding=decoding, limit=limit, weights=w, scorer=scorer, context=context
        )
        for t in targets
    }
