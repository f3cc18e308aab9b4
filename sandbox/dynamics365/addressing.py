"""Resource paths of the Web API: entity sets, keys (GUID or alternate key) and bind values.

``accounts``, ``accounts(00000000-...)``, ``salesorders(storebridge_id='shift4shop:order:1001')``
(string literals with ``''`` for a quote; composite keys ``(k1='a',k2=2)``), and the same forms
in ``@odata.bind`` values (``/accounts(...)``, ``accounts(...)``, an absolute URL, or ``$n`` inside
a `$batch` changeset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from sandbox.dynamics365.constants import API_PATH
from sandbox.dynamics365.errors import bad_property, query_syntax
from sandbox.dynamics365.odata_filter import parse_literal, tokenize
from sandbox.dynamics365.schema import TABLES, Table

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RESOURCE = re.compile(r"^(?P<set>[A-Za-z_][\w.]*)(?:\((?P<key>.*)\))?(?:/(?P<rest>.*))?$", re.S)


@dataclass(frozen=True)
class Address:
    """A parsed resource: the table, and a key (GUID or alternate key columns) if any."""

    table: Table | None  # None for an unbound action / function
    name: str  # the entity set, or the action's name
    guid: str | None = None
    alt: tuple[tuple[str, object], ...] | None = None
    rest: str = ""

    @property
    def keyed(self) -> bool:
        return self.guid is not None or self.alt is not None


def parse_key(table: Table, raw: str) -> tuple[str | None, tuple[tuple[str, object], ...] | None]:
    """(guid, None) or (None, ((column, value), ...)) for the text inside the parentheses."""
    raw = unquote(raw).strip()
    if _GUID.match(raw):
        return raw.lower(), None
    tokens = tokenize(raw)
    pairs: list[tuple[str, object]] = []
    i = 0
    while i < len(tokens):
        if i + 2 >= len(tokens) or tokens[i][0] != "name" or tokens[i + 1] != ("punct", "="):
            raise query_syntax(f"malformed key in {table.entity_set}(...)")
        pairs.append((tokens[i][1], parse_literal(*tokens[i + 2])))
        i += 3
        if i < len(tokens):
            if tokens[i] != ("punct", ","):
                raise query_syntax(f"malformed key in {table.entity_set}(...)")
            i += 1
    columns = tuple(sorted(c for c, _ in pairs))
    if columns not in {tuple(sorted(k)) for k in table.alternate_keys}:
        raise query_syntax(
            f"the key ({', '.join(columns)}) is not an alternate key of {table.logical}"
        )
    return None, tuple(pairs)


def parse_path(path: str) -> Address:
    """The resource of a path relative to the API root (``salesorders(...)``, ``$batch``)."""
    path = path.strip("/")
    m = _RESOURCE.match(path)
    if not m:
        raise query_syntax("malformed resource path")
    name = m.group("set")
    table = TABLES.get(name)
    if table is None:
        return Address(None, name, rest=m.group("rest") or "")
    if m.group("key") is None:
        return Address(table, name, rest=m.group("rest") or "")
    guid, alt = parse_key(table, m.group("key"))
    return Address(table, name, guid=guid, alt=alt, rest=m.group("rest") or "")


def relative(url: str, root: str) -> str:
    """A request URL (absolute, root-relative or set-relative) as a path below the API root."""
    if url.startswith(("http://", "https://")):
        url = "/" + url.split("://", 1)[1].split("/", 1)[-1]
    if url.startswith(API_PATH):
        url = url[len(API_PATH) :]
    if root and url.startswith(root):
        url = url[len(root) :]
    return url.lstrip("/")


def bind_target(value: str, table_sets: tuple[str, ...], logical: str, nav: str) -> Address:
    """The keyed address an ``@odata.bind`` value names (entity set must be the nav's target)."""
    address = parse_path(relative(value, ""))
    if address.table is None or not address.keyed or address.rest:
        raise query_syntax(f"{logical}.{nav}@odata.bind is not an entity reference")
    if address.name not in table_sets:
        raise bad_property(logical, f"{nav}@odata.bind")
    return address
