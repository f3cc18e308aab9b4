"""Salesforce record ids (REST API v42.0–v62.0): 15-character case-sensitive ids and their
18-character case-safe form.

An id is a 3-character key prefix (the object), 2 characters of instance/pod, and a 10-character
base-62 record number. The 18-character form appends a 3-character checksum: split the 15
characters into three chunks of five, set bit *i* of a chunk's number when its *i*-th character
is an upper-case letter, and map each number (0–31) onto ``A–Z0–5``. The suffix lets the id
survive case-insensitive handling: `normalize_id` restores the case of a lower-cased 18-char id.
"""

from __future__ import annotations

import functools
import string

KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Order": "801",
    "OrderItem": "802",
    # Custom objects get a 3-character prefix starting "a0" (the org's first custom objects).
    "Stock_Level__c": "a0S",
    "Storebridge_Payment__c": "a0P",
}
OBJECT_BY_PREFIX: dict[str, str] = {prefix: name for name, prefix in KEY_PREFIXES.items()}
ORG_PREFIX = "00D"
USER_PREFIX = "005"
QUERY_LOCATOR_PREFIX = "01g"
JOB_PREFIX = "750"  # Bulk API (1.0 and 2.0) job ids
# Characters 4–5 of an id name the instance; fixed for the sandbox "org".
POD = "8d"

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)


def checksum(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character id.

    Args:
        id15: a 15-character, case-sensitive Salesforce id.

    Returns:
        Three characters from ``A–Z0–5``; ``001xx000003DGb2`` gives ``AAG``.
    """
    suffix = ""
    for start in (0, 5, 10):
        bits = 0
        for i, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def to18(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    return id15 + checksum(id15)


def base62(number: int) -> str:
    """`number` written in base 62 (``0-9A-Za-z``), at least one digit."""
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
        if number == 0:
            return digits


def make_id(prefix: str, sequence: int) -> str:
    """The 18-character id of record number `sequence` with key prefix `prefix`."""
    return to18(f"{prefix}{POD}{base62(sequence).rjust(10, '0')}")


def _restore_case(id18: str) -> str | None:
    """Apply the case encoded in an 18-char id's suffix to its first 15 characters."""
    head, suffix = id18[:15], id18[15:].upper()
    chars = list(head.lower())
    for chunk, code in enumerate(suffix):
        bits = _SUFFIX_ALPHABET.find(code)
        if bits < 0:
            return None
        for i in range(5):
            if bits & (1 << i):
                chars[chunk * 5 + i] = chars[chunk * 5 + i].upper()
    return "".join(chars)


@functools.lru_cache(maxsize=65536)
def _normalize(value: str) -> str | None:
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    if len(value) == 15:
        return to18(value)
    restored = _restore_case(value)
    if restored is None:
        return None
    return to18(restored)


def normalize_id(value: object) -> str | None:
    """The canonical 18-character id for a 15- or 18-character id, or None if malformed.

    An 18-character id is matched case-insensitively, as Salesforce does: its suffix decides the
    case of the first 15 characters.

    Args:
        value: anything a client sent where an id is expected.
    """
    # Cached: the same ids are compared over and over by look-ups (a pure function of the text).
    return _normalize(value) if isinstance(value, str) else None


def object_of(record_id: str) -> str | None:
    """The sObject name a (normalized) id belongs to, from its key prefix."""
    return OBJECT_BY_PREFIX.get(record_id[:3])
