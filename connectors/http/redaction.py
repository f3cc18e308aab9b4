"""Redaction of secrets and personal data, for logs and for the dead-letter table.

Headers, URLs (userinfo and secret-looking query parameters), free text (e-mail addresses, phone
numbers, Luhn-valid card numbers, bearer tokens, JWTs, Salesforce session ids, passwords in URLs)
and JSON payloads (secret, card, e-mail and phone keys). A failed record adds what no pattern
can see: its own people's names, companies and street addresses, wherever its message or payload
quotes them (`redact_record`). Every function returns a copy; nothing is mutated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

REDACTED = "***"

_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-auth-token",
        "x-auth-client",
        "token",
        "privatekey",
    }
)
_SECRET_HEADER_PARTS = ("key", "token", "secret", "password", "signature")
_PUBLIC_HEADERS = frozenset({"secureurl"})  # the Shift4Shop store URL: an address, not a secret

_SECRET_PARAMS = frozenset(
    {
        "access_token",
        "token",
        "key",
        "api_key",
        "apikey",
        "secret",
        "client_secret",
        "password",
        "assertion",
        "code",
        "signature",
        "sig",
    }
)
_SECRET_PARAM_PARTS = ("token", "secret", "password", "apikey", "api_key", "private")

_SECRET_KEY_PARTS = (
    "password",
    "token",
    "secret",
    "privatekey",
    "authorization",
    "assertion",
    "apikey",
    "signature",
)
_CARD_KEYS = frozenset(
    {
        "cardnumber",
        "cardverification",
        "cvv",
        "cvv2",
        "cvc",
        "cardexpirationmonth",
        "cardexpirationyear",
        "cardissuenumber",
        "cardstartmonth",
        "cardstartyear",
    }
)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Copy `headers` with secret values replaced by `REDACTED` (names compared case-insensitively).

    Secret: Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Auth-Token, X-Auth-Client,
    Token, PrivateKey and any name containing key, token, secret, password or signature.
    `SecureURL` is kept.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        lower = name.lower()
        secret = lower not in _PUBLIC_HEADERS and (
            lower in _SECRET_HEADERS or any(part in lower for part in _SECRET_HEADER_PARTS)
        )
        out[name] = REDACTED if secret else value
    return out


def _secret_param(name: str) -> bool:
    lower = name.lower()
    return lower in _SECRET_PARAMS or any(part in lower for part in _SECRET_PARAM_PARTS)


def _redact_query(query: str) -> str:
    parts = []
    for pair in query.split("&"):
        raw_name, sep, raw_value = pair.partition("=")
        value = unquote_plus(raw_value)
        if sep and value and _secret_param(unquote_plus(raw_name)):
            parts.append(f"{raw_name}={REDACTED}")
            continue
        redacted = redact_text(value)
        parts.append(pair if redacted == value else f"{raw_name}={quote(redacted, safe='*@')}")
    return "&".join(parts)


def redact_url(url: str) -> str:
    """Redact a URL for logs: the userinfo password, secret query values, and personal data.

    Query parameters named like a secret (access_token, token, key, api_key, secret,
    client_secret, password, assertion, code, signature, sig, ``*token*``, ...) become
    `REDACTED`; other values and the path go through `redact_text` (e-mails, phones, cards).
    The fragment is dropped.
    """
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return redact_text(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if has_password else f"{user}@{host}"
    path = parts.path
    clean_path = redact_text(unquote(path))
    if clean_path != unquote(path):
        path = quote(clean_path, safe="/*@")
    query = _redact_query(parts.query) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, path, query, ""))


_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/@:]*):[^\s/@]+@")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=!-]+", re.IGNORECASE)
_SF_SESSION = re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{8,}")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13-19 digits in groups separated by single spaces or dashes; checked with Luhn afterwards
_CARD = re.compile(r"(?<![\w.,+/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w]|[.,/-]\d)")
_SEP = r"[ .\-]"
_PHONE = re.compile(
    r"(?<![\w.,:/+-])(?:"
    rf"\+\d{{1,3}}{_SEP}?\(?\d{{1,4}}\)?(?:{_SEP}?\d{{1,6}}){{1,5}}"  # +49 151 12345678
    rf"|\(\d{{2,5}}\){_SEP}?\d{{2,5}}(?:{_SEP}\d{{2,5}}){{0,3}}"  # (555) 123-4567
    rf"|\d{{1,5}}(?:{_SEP}\d{{2,5}}){{2,5}}"  # 555-123-4567, 06 12 34 56 78
    rf"|0\d{{1,4}}[ /-]\d{{4,10}}"  # 030 12345678 (trunk prefix 0 + subscriber number)
    r")(?![\w]|[.,:/-]\d)"
)
# Shapes a separated digit run takes that are not phone numbers
_NOT_PHONE = (
    re.compile(r"\d{4}([-./ ])\d{1,2}\1\d{1,2}"),  # 2024-01-15, 2024.01.15
    re.compile(r"\d{1,2}([-./ ])\d{1,2}\1\d{4}"),  # 15.01.2024, 01-15-2024
    re.compile(r"\d{1,3}(?:\.\d{1,3}){3}"),  # 192.168.100.200
    re.compile(r"\d{1,3}(?:\.\d{3})+"),  # 1.234.567 (thousands)
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    if not 7 <= digits <= 15 or any(shape.fullmatch(text) for shape in _NOT_PHONE):
        return text
    return REDACTED


def mask_email(address: str) -> str:
    """``john.doe@example.com`` → ``j***@example.com`` (the domain helps support, the user not)."""
    local, at, domain = address.partition("@")
    if not at:
        return REDACTED
    return f"{local[:1]}{REDACTED}@{domain}"


def redact_text(text: str) -> str:
    """Redact personal data and credentials inside free text.

    E-mail addresses are masked (`mask_email`); phone numbers (7-15 digits written with
    separators or a ``+country`` prefix), Luhn-valid card numbers (13-19 digits), ``Bearer``
    tokens, JWTs, Salesforce session ids and the password of a URL (``scheme://user:pw@``)
    become `REDACTED`. ISO dates, times, amounts, IP
    addresses, plain integers (order ids) and 18-character Salesforce ids are left alone.
    """
    if not text:
        return text
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SF_SESSION.sub(REDACTED, text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub(_phone, text)


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _redact_value(key: str, value: Any) -> Any:
    norm = _norm(key)
    if value is None:
        return None
    if norm in _CARD_KEYS or any(part in norm for part in _SECRET_KEY_PARTS):
        return REDACTED
    if isinstance(value, bool):
        return value
    if "phone" in norm and not isinstance(value, (Mapping, list, tuple)):
        return REDACTED if value != "" else value
    if "email" in norm and isinstance(value, str):
        masked = _EMAIL.sub(lambda m: mask_email(m.group(0)), value)
        if masked != value or not value or " " in value.strip():
            return redact_text(masked)  # an address (masked) or a sentence about one
        return REDACTED  # a malformed address is personal data too
    return redact_payload(value)


def redact_payload(obj: Any) -> Any:
    """A redacted deep copy of a JSON-like payload (dicts, lists, scalars); the input is untouched.

    Values of keys that look secret (password, token, secret, privatekey, authorization,
    assertion, ...) and card keys (CardNumber, CardVerification, cvv, cvv2, CardExpirationMonth,
    ...) become `REDACTED`; keys containing "email" are masked (``j***@example.com``), keys
    containing "phone" become `REDACTED`; every other string goes through `redact_text`.
    """
    if isinstance(obj, Mapping):
        return {key: _redact_value(str(key), value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_payload(item) for item in obj]
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


# --- a failed record's own personal data -------------------------------------------------------
# Keys (normalised: lowercase letters and digits) whose values are a person's name, company,
# street address, postcode or free text about them. No pattern finds these in text; the record
# knows them, so they are masked wherever its message or payload repeats them.
_PERSON_KEY_PARTS = (
    "firstname",
    "lastname",
    "middlename",
    "fullname",
    "company",
    "street",
    "address",
    "line1",
    "line2",
    "zip",
    "postal",
    "cardname",
    "contactname",
    "accountname",
)
_NAME_KEY_PARTS = ("firstname", "lastname", "middlename", "fullname", "cardname", "contactname")
_FREE_TEXT_KEYS = frozenset({"note", "notes", "comments", "customercomments", "instructions"})
_MIN_KNOWN = 2  # shorter values are not masked inside text (they would mask letters)


def _personal_key(norm: str) -> bool:
    return norm in _FREE_TEXT_KEYS or any(part in norm for part in _PERSON_KEY_PARTS)


def personal_values(obj: Any) -> dict[str, str]:
    """The personal values `obj` (a record's JSON-like payload) holds, with their masked form.

    E-mail addresses (keys containing "email") map to `mask_email`; phones, names, companies,
    street addresses and postcodes (by key) to `REDACTED`, and so do the single words of names
    (a message may quote "Okafor" alone). Values already redacted are left out.
    """
    found: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend((str(k), v) for k, v in value.items())
            continue
        if isinstance(value, (list, tuple)):
            stack.extend((key, v) for v in value)
            continue
        if not isinstance(value, str) or REDACTED in value or len(value.strip()) < _MIN_KNOWN:
            continue
        norm, text = _norm(key), value.strip()
        if "email" in norm:
            for address in _EMAIL.findall(text) or [text]:
                found[address] = mask_email(address)
        elif "phone" in norm:
            if sum(ch.isdigit() for ch in text) >= 7:
                found[text] = REDACTED
        elif _personal_key(norm) and _wordy(text):
            found[text] = REDACTED
            if any(part in norm for part in _NAME_KEY_PARTS):
                found.update({w: REDACTED for w in text.split() if _wordy(w)})
    return found


def _wordy(text: str) -> bool:
    """Worth masking inside other text: long enough and with a letter (a bare number such as a
    postcode could be an order id, which must stay readable)."""
    return len(text) >= _MIN_KNOWN and any(ch.isalpha() for ch in text)


def mask_known(text: str, known: Mapping[str, str]) -> str:
    """`text` with each of the `known` values (case-insensitive, whole words only) replaced by
    its masked form; longer values first, so a full name goes before its words."""
    if not text or not known:
        return text
    values = sorted(known, key=len, reverse=True)
    pattern = re.compile(
        "|".join(rf"(?<![\w]){re.escape(v)}(?![\w])" for v in values), re.IGNORECASE
    )
    lowered = {v.lower(): m for v, m in known.items()}
    return pattern.sub(lambda m: lowered.get(m.group(0).lower(), REDACTED), text)


def _record_text(text: str, known: Mapping[str, str]) -> str:
    # "shift4shop:order:1042: ..." names the record: never mask inside that name.
    head, sep, rest = text.partition(": ")
    if sep and " " not in head and head.count(":") >= 2:
        return f"{head}{sep}{redact_text(mask_known(rest, known))}"
    return redact_text(mask_known(text, known))


def _redact_record_payload(obj: Any, known: Mapping[str, str], key: str = "") -> Any:
    if isinstance(obj, Mapping):
        return {k: _redact_record_payload(v, known, str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_redact_record_payload(item, known, key) for item in obj]
    norm = _norm(key)
    if isinstance(obj, str) and obj:
        if "email" in norm and REDACTED in obj:
            return redact_text(obj)  # masked already (j***@example.com): stays as it is
        if "email" in norm or "phone" in norm:
            return _redact_value(key, obj)
        if _personal_key(norm):
            return REDACTED
        return _redact_value(key, mask_known(obj, known))
    return _redact_value(key, obj) if key else redact_payload(obj)


def redact_record(message: str, payload: Any = None) -> tuple[str, Any]:
    """A failed record's message and payload with its personal data masked, as a dead letter,
    an event or an artifact may show them.

    The payload keeps what identifies the record and what is wrong with it (ids, numbers, SKUs,
    quantities, statuses, countries, the field names): secrets and cards as `redact_payload`
    does, and names, companies, street addresses, postcodes and free text become `REDACTED`.
    The message still names the record and the field; the record's own personal values
    (`personal_values`) are masked in it, then everything `redact_text` finds.

    Returns:
        (message, payload), both redacted; running it again changes nothing.
    """
    known = personal_values(payload)
    return _record_text(message, known), _redact_record_payload(payload, known)
