"""Addresses between the canonical `Address` and Dataverse's composite address columns.

Dataverse keeps an address in parts (`address1_line1`..`line3`, `_city`, `_stateorprovince`,
`_postalcode`, `_country`; on orders `billto_*` / `shipto_*`) and computes `*_composite`, one
read-only text of them all. Two rules, both pure:

**Single-line store addresses** (`split_single_line`, used on the way in and on the way out). Some
shoppers type the whole address into the first street line ("99 Elm St Apt 4, Miami, FL 33101")
and the store keeps it so. Such a line is split into street / city / state / zip **only when the
address lacks every one of those parts** (city, region and postal code all empty) and the country
is the US or unknown: a store that split the address is never second-guessed. The line (joined
with the second street line when the first alone does not parse) is parsed with `usaddress`
(US addresses, conditional random fields); it is split only when the parse is unambiguous and
names a street, a city, a state and a zip code; otherwise the address is kept as it was. The
split street (number, street, unit) becomes line 1; line 2 keeps what line 1 did not absorb.

**Composite fallback** (`parse_composite`, on the way out only): a row whose parts are empty but
whose `*_composite` is not (rows imported as one text) is read from the composite. The CDM files
do not say how the platform formats it; the assumption is Dynamics' US layout, one part per line:
street lines, then `City, State Zip`, then the country.

Countries: canonical addresses carry ISO 3166-1 alpha-2 codes and storebridge writes those;
`*_country` is free text (80 characters) in Dataverse, so CRM users also type names. A name is
translated through `tables.countries` of `transforms/mappings/dynamics365/customer_from.yaml`
(data); anything else is left
for the canonical model to refuse, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import usaddress

from transforms.canonical import Address
from transforms.mapping import load_mapping

COUNTRIES = "dynamics365/customer_from"  # its `tables.countries`
US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
# usaddress labels that are not the street part of an address
PLACE_LABELS = frozenset({"PlaceName", "StateName", "ZipCode", "CountryName"})
STREET_LABELS = frozenset({"AddressNumber", "StreetName", "USPSBoxID"})
CITY_STATE_ZIP = re.compile(
    r"^(?P<city>[^,]+),\s*(?P<region>.+?)(?:\s+(?P<postal_code>[\w-]{3,10}))?$"
)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def split_single_line(text: str) -> dict[str, str] | None:
    """`"99 Elm St Apt 4, Miami, FL 33101"` → `{line1, city, region, postal_code}`, or None
    when the text is not unambiguously a whole US address (see the module docstring)."""
    try:
        tagged, kind = usaddress.tag(text)
        tokens = usaddress.parse(text)
    except usaddress.RepeatedLabelError:
        return None
    if kind not in ("Street Address", "PO Box") or not STREET_LABELS & set(tagged):
        return None
    city, region, postal = (_text(tagged.get(k)) for k in ("PlaceName", "StateName", "ZipCode"))
    if not (city and region and postal and US_ZIP.match(postal)):
        return None
    street = " ".join(tok for tok, label in tokens if label not in PLACE_LABELS)
    street = re.sub(r"\s*,\s*$", "", re.sub(r"\s+,", ",", street)).strip(" ,")
    if not street:
        return None
    return {"line1": street, "city": city.rstrip(","), "region": region, "postal_code": postal}


def split_address(address: Address | None) -> Address | None:
    """The address with a single-line street split into its parts, where the rule applies."""
    if address is None or not address.line1 or address.city or address.region:
        return address
    if address.postal_code or (address.country not in (None, "US")):
        return address
    parts = split_single_line(address.line1)
    line2 = address.line2
    if parts is None and line2:
        parts = split_single_line(f"{address.line1}, {line2}")
        line2 = None
    if parts is None:
        return address
    return address.model_copy(update={**parts, "line2": line2})


def country_code(value: Any) -> str | None:
    """An ISO alpha-2 code as it is, a country name as its code (`tables.countries`), else the
    text unchanged (the canonical model then refuses it, naming the field)."""
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    table = load_mapping(COUNTRIES).tables.get("countries", {})
    names = {str(k).casefold(): v for k, v in table.items()}
    return str(names.get(text.casefold(), text))


def parse_composite(composite: str) -> dict[str, str]:
    """A `*_composite` text → canonical address parts (assumed layout: module docstring)."""
    lines = [ln.strip() for ln in composite.replace("\r", "\n").split("\n") if ln.strip()]
    out: dict[str, str] = {}
    if len(lines) > 1:
        code = country_code(lines[-1])
        if code is not None and re.fullmatch(r"[A-Z]{2}", code):
            out["country"] = code
            lines.pop()
    place = CITY_STATE_ZIP.match(lines[-1]) if len(lines) > 1 else None
    if place is not None:
        lines.pop()
        out.update({k: v.strip() for k, v in place.groupdict().items() if v and v.strip()})
    for n, line in enumerate(lines[:2], start=1):
        out[f"line{n}"] = line
    if len(lines) > 2:
        out["line2"] = ", ".join(lines[1:])
    return out


PARTS = ("line1", "line2", "city", "region", "postal_code")


def address_from_row(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    """The canonical address parts of a row's `<prefix>_*` columns (with both rules applied),
    or None when the row has no address there."""
    columns = {
        "line1": f"{prefix}_line1",
        "line2": f"{prefix}_line2",
        "city": f"{prefix}_city",
        "region": f"{prefix}_stateorprovince",
        "postal_code": f"{prefix}_postalcode",
        "country": f"{prefix}_country",
    }
    out = {k: t for k, col in columns.items() if (t := _text(row.get(col))) is not None}
    line3 = _text(row.get(f"{prefix}_line3"))
    if line3:
        out["line2"] = ", ".join(p for p in (out.get("line2"), line3) if p)
    if not any(k in out for k in PARTS):
        composite = _text(row.get(f"{prefix}_composite"))
        if composite is None:
            return out or None
        out = {**parse_composite(composite), **out}
    code = country_code(out.pop("country", None))
    if code is not None:
        out["country"] = code
    if out.get("line1") and not any(out.get(k) for k in ("city", "region", "postal_code")):
        country = out.get("country")
        parts = split_single_line(out["line1"]) if country in (None, "US") else None
        if parts is not None:
            out.update(parts)
    return out
