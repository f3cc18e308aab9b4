"""What sample values look like: e-mail, phone, date, money, country and region codes, SKUs.

`pattern(value)` names the shape of one value; `profile(values)` the dominant shape of a column
(with its share); `expected(field)` the shape a target field wants, from its type and its name
(a `*PostalCode` wants a postal code, a `Country` a country). Suggestions score a candidate
higher when its samples have the shape the field wants.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from transforms.currencies import ISO_4217
from transforms.studio.catalogue import FieldSpec

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[\d\s().\-/]{7,20}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
US_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}")
MONEY = re.compile(r"^-?[$€£]?\s?\d{1,3}(,?\d{3})*(\.\d{1,4})?$")
US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
POSTCODE = re.compile(r"^(?=.*\d)[A-Z0-9]{2,5}[ -]?[A-Z0-9]{2,4}$", re.IGNORECASE)
SKU = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]+([-_./][A-Za-z0-9]+)+$")
GTIN = re.compile(r"^\d{8}$|^\d{12,14}$")
URL = re.compile(r"^https?://", re.IGNORECASE)
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
WORDS = re.compile(r"^[A-Za-zÀ-ÿ'’.\-]+( [A-Za-zÀ-ÿ'’.\-]+){0,3}$")
STREET = re.compile(r"^\d+[A-Za-z]?\s+\w+")
_STATES = """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR
"""
US_STATES = frozenset(_STATES.split())
_COUNTRIES = """
    US CA MX GB IE DE FR ES IT PT NL BE LU CH AT DK SE NO FI IS PL CZ GR AU NZ JP CN IN SG BR AR
    ZA KR HK TW
"""
COUNTRIES = frozenset(_COUNTRIES.split())
COUNTRY_NAMES = frozenset(
    {
        "united states",
        "usa",
        "canada",
        "mexico",
        "united kingdom",
        "germany",
        "france",
        "spain",
        "italy",
        "australia",
        "japan",
        "ireland",
        "netherlands",
    }
)


def pattern(value: Any) -> str | None:
    """The shape of one value (None when empty): email, phone, date, datetime, money, integer,
    boolean, country, region, postal, sku, gtin, currency, url, id, words, street, text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (Decimal, float)):
        return "money"
    if isinstance(value, (list, tuple, dict)):
        return "structure"
    text = str(getattr(value, "value", value)).strip()
    if not text:
        return None
    upper = text.upper()
    checks: list[tuple[bool, str]] = [
        (bool(EMAIL.match(text)), "email"),
        (bool(ISO_DATETIME.match(text)), "datetime"),
        (bool(ISO_DATE.match(text) or US_DATE.match(text)), "date"),
        (bool(URL.match(text)), "url"),
        (bool(GUID.match(text)), "id"),
        (bool(GTIN.match(text)), "gtin"),
        (bool(US_ZIP.match(text)), "postal"),
        (text.isdigit(), "integer"),
        (bool(MONEY.match(text)) and "." in text, "money"),
        (len(text) == 2 and upper in COUNTRIES and text.isupper(), "country"),
        (len(text) == 2 and upper in US_STATES and text.isupper(), "region"),
        (len(text) == 3 and upper in ISO_4217 and text.isupper(), "currency"),
        (text.lower() in COUNTRY_NAMES, "country"),
        (bool(PHONE.match(text)) and sum(c.isdigit() for c in text) >= 7, "phone"),
        (bool(SKU.match(text)) and text.upper() == text, "sku"),
        (bool(POSTCODE.match(text)) and text.upper() == text and len(text) <= 8, "postal"),
        (bool(STREET.match(text)), "street"),
        (bool(WORDS.match(text)) and text[:1].isupper(), "words"),
    ]
    return next((name for hit, name in checks if hit), "text")


def profile(values: Iterable[Any]) -> tuple[str | None, float, int]:
    """(the dominant shape of `values`, its share of the non-empty ones, how many were seen)."""
    shapes = Counter(p for p in (pattern(v) for v in values) if p is not None)
    seen = sum(shapes.values())
    if not seen:
        return None, 0.0, 0
    shape, count = shapes.most_common(1)[0]
    return shape, count / seen, seen


# name words -> the shape a field of that name wants
NAME_SHAPES: tuple[tuple[str, str], ...] = (
    ("email", "email"),
    ("mail", "email"),
    ("phone", "phone"),
    ("telephone", "phone"),
    ("mobile", "phone"),
    ("fax", "phone"),
    ("zip", "postal"),
    ("postal", "postal"),
    ("postcode", "postal"),
    ("pstl", "postal"),
    ("country", "country"),
    ("ctry", "country"),
    ("state", "region"),
    ("province", "region"),
    ("region", "region"),
    ("stte", "region"),
    ("sku", "sku"),
    ("productcode", "sku"),
    ("productnumber", "sku"),
    ("itemno", "sku"),
    ("gtin", "gtin"),
    ("upc", "gtin"),
    ("ean", "gtin"),
    ("currency", "currency"),
    ("street", "street"),
    ("line1", "street"),
    ("city", "words"),
    ("date", "date"),
    ("price", "money"),
    ("amount", "money"),
    ("cost", "money"),
    ("url", "url"),
)
TYPE_SHAPES = {
    "email": "email",
    "phone": "phone",
    "url": "url",
    "date": "date",
    "datetime": "datetime",
    "currency": "money",
    "boolean": "boolean",
}
# shapes that count as one another (a date field takes a datetime's day)
ALIKE = {
    ("date", "datetime"),
    ("datetime", "date"),
    ("money", "integer"),
    ("integer", "money"),
    ("postal", "integer"),
    ("gtin", "integer"),
    ("region", "words"),
    ("words", "text"),
    ("text", "words"),
    ("street", "text"),
    ("country", "words"),
}


def expected(spec: FieldSpec) -> str | None:
    """The shape a field wants, from its type, then its name (None: no particular one)."""
    if spec.type in TYPE_SHAPES:
        return TYPE_SHAPES[spec.type]
    name = re.sub(r"[^a-z0-9]", "", spec.name.lower().rsplit(".", 1)[-1])
    for word, shape in NAME_SHAPES:
        if word in name:
            if word == "mail" and "email" not in name and "mailing" in name:
                continue
            return shape
    if spec.type in ("decimal",):
        return "money"
    return None


def agreement(want: str | None, got: str | None) -> float | None:
    """1.0 when the shapes agree, 0.5 when they are alike, 0.0 when not (None: unknown)."""
    if want is None or got is None:
        return None
    if want == got:
        return 1.0
    if (want, got) in ALIKE:
        return 0.5
    return 0.0
