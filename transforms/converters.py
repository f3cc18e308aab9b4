"""Named value converters that mapping files may chain (`convert: [strip, "truncate:80"]`).

A converter is a pure function `(value, arg, ctx) -> value`: `arg` is the text after the colon in
the mapping (`truncate:80` → "80"), `ctx` the context the loader passed (e.g. a time zone). `None`
passes through every converter unchanged, so optional fields stay optional.

Normalisation converters on real libraries: `e164` (phone numbers, `phonenumbers`), `email`
(syntax and normalisation, `email-validator`, no DNS), `us_address` (a US single-line address to
its parts, `usaddress`), `money` and `quantity` (Decimal-safe amounts: no float ever, no silent
loss of digits). `SIGNATURES` says what each converter takes and gives (the kinds the mapping
studio checks mappings with, `transforms/studio/kinds.py`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from transforms.canonical import Address, Money

Converter = Callable[[Any, str | None, Mapping[str, Any]], Any]


def _str(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value)


def _strip(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).strip() or None


def _upper(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).upper()


def _lower(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    return str(value).lower()


def _truncate(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    if arg is None or not arg.isdigit():
        raise ValueError("truncate needs a length, e.g. truncate:80")
    return str(value)[: int(arg)]


def _number(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Decimal (or Money) rounded to `arg` places (default 2), still a Decimal: money and
    quantities never become floats (the JSON encoder writes their exact digits)."""
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a float: money and quantities must be Decimal")
    amount = value.amount if isinstance(value, Money) else Decimal(str(value))
    places = int(arg) if arg else 2
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _decimal(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A number as it came (JSON number, text) → Decimal, exactly (a float's shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return Decimal(repr(value) if isinstance(value, float) else str(value))


def _date_utc(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """`YYYY-MM-DD` (a back office's date) → midnight of that day, aware UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    day = dt.date.fromisoformat(str(value)[:10])
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _datetime(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """An ISO 8601 timestamp (Salesforce `2026-11-01T10:00:00.000+0000`) → aware UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _lines(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A multi-line street → line `arg` (1-based) of it, or None."""
    parts = [p.strip() for p in str(value).splitlines() if p.strip()]
    index = int(arg or "1") - 1
    return parts[index] if index < len(parts) else None


def _html(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """HTML → plain text (tags dropped, entities decoded, whitespace collapsed)."""
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(value))).split()) or None


def _paid(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → what was paid: succeeded sales and captures minus refunds (a Decimal)."""
    total = Decimal("0")
    for p in value or ():
        if p.status.value != "succeeded":
            continue
        if p.kind.value in ("sale", "capture"):
            total += p.amount.amount
        elif p.kind.value == "refund":
            total -= p.amount.amount
    return total


def _payment_state(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → unpaid | authorized | paid | partially_refunded | refunded."""
    done = [p for p in value or () if p.status.value == "succeeded"]
    kinds = {p.kind.value for p in done}
    paid = _paid(done, None, ctx)
    if "refund" in kinds:
        return "refunded" if paid <= 0 else "partially_refunded"
    if kinds & {"sale", "capture"}:
        return "paid"
    return "authorized" if "authorization" in kinds else "unpaid"


def _last_reference(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Payments → the gateway reference of the last succeeded one."""
    refs = [p.reference for p in value or () if p.status.value == "succeeded" and p.reference]
    return refs[-1] if refs else None


def _join(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A list of texts → one text joined by `arg` (default ", "), None when empty."""
    items = [str(v) for v in value or () if v]
    return (arg if arg is not None else ", ").join(items) or None


def _local_date(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Aware datetime → `YYYY-MM-DD` in `ctx["timezone"]` (the business's zone; default UTC)."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"local_date needs a datetime, got {type(value).__name__}")
    zone = ZoneInfo(str(ctx.get("timezone") or "UTC"))
    return value.astimezone(zone).date().isoformat()


def _iso_datetime(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"iso_datetime needs a datetime, got {type(value).__name__}")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _street(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Address → its street lines joined by a newline (CRMs keep one multi-line street field)."""
    if not isinstance(value, Address):
        raise ValueError(f"street needs an Address, got {type(value).__name__}")
    return "\n".join(p for p in (value.line1, value.line2) if p) or None


def _us_date(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """Aware datetime → `mm/dd/yyyy` in `ctx["timezone"]` (Shift4Shop's ShipmentShippedDate)."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"us_date needs a datetime, got {type(value).__name__}")
    zone = ZoneInfo(str(ctx.get("timezone") or "UTC"))
    return value.astimezone(zone).strftime("%m/%d/%Y")


def _negate(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A flag → its opposite (`active` → `Hide`)."""
    return not bool(value)


def _e164(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A phone number → E.164 (`+12125550142`), by `phonenumbers`.

    `arg` is the region of numbers written without a country code (ISO 3166-1 alpha-2:
    `e164:GB`; default `ctx["phone_region"]`, else US); `e164:US:strict` also refuses numbers
    no numbering plan assigns (fictional 555-01xx numbers pass without `strict`: they have a
    possible length). An extension is dropped (E.164 has none). Raises ValueError (without the
    number: messages end up in dead letters) when the text is no phone number.
    """
    import phonenumbers

    region, _, mode = (arg or "").partition(":")
    region = (region or str(ctx.get("phone_region") or "US")).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"e164: {region!r} is not a region phonenumbers knows (e.g. US, GB)")
    try:
        number = phonenumbers.parse(str(value), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc.args[0] if exc.args else exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"not a possible phone number of {region} or with a country code")
    if mode == "strict" and not phonenumbers.is_valid_number(number):
        raise ValueError("not an assigned phone number (e164 strict)")
    number.extension = None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """An e-mail address, checked and normalised by `email-validator` (syntax only, no DNS):
    spaces trimmed, the domain lower-cased (and IDNA-normalised), the local part kept as typed
    (`email:lower` lower-cases it too, as canonical customers do). Raises ValueError naming what
    is wrong, without the address."""
    from email_validator import EmailNotValidError, validate_email

    text = str(value).strip()
    if not text:
        return None
    try:
        found = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not an e-mail address: {exc}") from None
    normalized = str(found.normalized)
    return normalized.lower() if arg == "lower" else normalized


US_ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")
_LINE1_LABELS = (
    "AddressNumberPrefix",
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "StreetNamePostModifier",
    "USPSBoxType",
    "USPSBoxID",
    "USPSBoxGroupType",
    "USPSBoxGroupID",
    "BuildingName",
    "LandmarkName",
    "CornerOf",
    "IntersectionSeparator",
    "SecondStreetNamePreDirectional",
    "SecondStreetName",
    "SecondStreetNamePostType",
    "SecondStreetNamePostDirectional",
)
_LINE2_LABELS = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")


def parse_us_address(text: str) -> dict[str, str | None]:
    """A US single-line address (`"1600 Pennsylvania Ave NW Ste 200, Washington, DC 20500"`) as
    its parts: line1, line2, city, region, postal_code, country ("US"), by `usaddress` (a CRF
    model shipped with the library). Commas between street, city and state parse best.

    Raises:
        ValueError: the text is ambiguous or repeats a part (without the address).
    """
    import usaddress

    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        raise ValueError("not one US address (a part appears twice)") from None
    if kind == "Ambiguous":
        raise ValueError("not a US street address usaddress can read")

    def joined(labels: tuple[str, ...]) -> str | None:
        words = [str(tagged[k]).strip(" ,") for k in labels if tagged.get(k)]
        return " ".join(w for w in words if w) or None

    zip_code = str(tagged.get("ZipCode") or "").strip(" ,")
    plus4 = str(tagged.get("ZipPlus4") or "").strip(" ,")
    return {
        "line1": joined(_LINE1_LABELS),
        "line2": joined(_LINE2_LABELS),
        "city": str(tagged.get("PlaceName") or "").strip(" ,") or None,
        "region": str(tagged.get("StateName") or "").strip(" ,").upper() or None,
        "postal_code": (f"{zip_code}-{plus4}" if plus4 else zip_code) or None,
        "country": "US",
    }


def _us_address(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A US single-line address → its parts (`parse_us_address`): `us_address:city` gives one
    part (line1, line2, city, region, postal_code, country), `us_address` the dict of all."""
    if arg is not None and arg not in US_ADDRESS_PARTS:
        raise ValueError(f"us_address: {arg!r} is no part ({', '.join(US_ADDRESS_PARTS)})")
    parts = parse_us_address(str(value))
    return parts if arg is None else parts[arg]


_CURRENCY_SIGNS = re.compile(r"[\s$€£¥₹₩]|\b[A-Z]{3}\b")


def _amount_text(text: str) -> Decimal:
    """`"$1,234.50"`, `"1.234,50 EUR"`, `"(12.00)"` → Decimal (the last separator is decimal)."""
    raw = text.strip()
    negative = raw.startswith("(") and raw.endswith(")")
    raw = _CURRENCY_SIGNS.sub("", raw.strip("()"))
    if "," in raw and "." in raw:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else raw.replace(",", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    return -amount if negative else amount


def _exact_decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a float: {what} must be Decimal (or text)")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, Money):
        amount = value.amount
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        amount = _amount_text(str(value))
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return amount


def _money(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """An amount → Decimal rounded half-up to `arg` places (default 2): Money, Decimal, int or
    text with a currency sign, code or thousands separators (`"$1,234.50"`, `"1.234,50 EUR"`,
    `"(12.00)"` is -12.00). A float is refused, never rounded through binary."""
    places = int(arg) if arg else 2
    amount = _exact_decimal(value, "money")
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _quantity(value: Any, arg: str | None, ctx: Mapping[str, Any]) -> Any:
    """A quantity → Decimal with `arg` places (default: as given). Digits are never dropped:
    `quantity:2` refuses 1.005 (a quantity is counted, not rounded); floats are refused."""
    amount = _exact_decimal(value, "quantities")
    if arg is None:
        return amount
    places = int(arg)
    scaled = amount.quantize(Decimal(1).scaleb(-places))
    if scaled != amount:
        raise ValueError(f"{amount} has more than {places} decimal places")
    return scaled


CONVERTERS: dict[str, Converter] = {
    "us_date": _us_date,
    "negate": _negate,
    "str": _str,
    "strip": _strip,
    "upper": _upper,
    "lower": _lower,
    "truncate": _truncate,
    "number": _number,
    "local_date": _local_date,
    "iso_datetime": _iso_datetime,
    "street": _street,
    "decimal": _decimal,
    "date_utc": _date_utc,
    "datetime": _datetime,
    "line": _lines,
    "html_text": _html,
    "paid": _paid,
    "payment_state": _payment_state,
    "last_reference": _last_reference,
    "join": _join,
    "e164": _e164,
    "email": _email,
    "us_address": _us_address,
    "money": _money,
    "quantity": _quantity,
}

# What each converter takes and gives, as value kinds (text, integer, decimal, money, boolean,
# datetime, date, address, list, object, any): "inputs -> output". The mapping studio checks
# that a chain fits the source and the target field; every converter needs a line here.
SIGNATURES: dict[str, str] = {
    "us_date": "datetime -> date",
    "negate": "boolean -> boolean",
    "str": "any -> text",
    "strip": "text integer decimal -> text",
    "upper": "text -> text",
    "lower": "text -> text",
    "truncate": "text integer decimal -> text",
    "number": "money decimal integer text -> decimal",
    "local_date": "datetime -> date",
    "iso_datetime": "datetime -> datetime",
    "street": "address -> text",
    "decimal": "decimal integer text -> decimal",
    "date_utc": "text date datetime -> datetime",
    "datetime": "text datetime -> datetime",
    "line": "text -> text",
    "html_text": "text -> text",
    "paid": "list -> decimal",
    "payment_state": "list -> text",
    "last_reference": "list -> text",
    "join": "list -> text",
    "e164": "text -> text",
    "email": "text -> text",
    "us_address": "text -> object",
    "money": "money decimal integer text -> decimal",
    "quantity": "decimal integer text -> decimal",
}


def convert(name_and_arg: str, value: Any, ctx: Mapping[str, Any]) -> Any:
    """Apply the converter named in `name_and_arg` (`"truncate:80"`) to `value`."""
    name, _, arg = name_and_arg.partition(":")
    if name not in CONVERTERS:
        raise KeyError(f"unknown converter {name!r}; known: {', '.join(sorted(CONVERTERS))}")
    if value is None:
        return None
    return CONVERTERS[name](value, arg or None, ctx)
