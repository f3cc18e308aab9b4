"""Entity keys and query options of the Web API (Developer Reference, "Query options").

Keys: ``('1200')``, ``(1200)``, unquoted strings without spaces (``(BARMART)``), named segments
(``(CustomerNumber='1200')``), composite keys named in any order or positional in key order
(``(BatchRecordType='CA', BatchNumber=65)``), and ``('$template')``.

``$filter``: ``eq ne gt ge lt le``, ``and or not``, parentheses; functions ``substringof(s, p)``,
``startswith(p, s)``, ``endswith(p, s)``, ``length(p)``, ``tolower``/``toupper``/``trim``;
literals ``'text'`` (``''`` for a quote), ``12.5m`` (and plain numbers),
``datetime'2015-12-31T12:00'`` (and bare ISO date-times), ``true``/``false``, ``null``. String
comparisons ignore case (Sage companies run on a case-insensitive collation). ``$top`` /
``$skip`` (whole numbers >= 0), ``$count=true`` (``odata.count`` as a string), ``$select``,
``$orderby`` (``Field [asc|desc], ...``). Anything malformed answers InvalidParameters naming the
option.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.sage300.errors import SageError, bad_parameters

Row = dict[str, Any]
Predicate = Callable[[Row], bool]
TEMPLATE = "$template"

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<datetime>datetime'[^']*')
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[mMdDfFlL])?(?![\w.]))
    | (?P<name>[A-Za-z_$][\w]*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
_BOOL_FUNCS = {"substringof", "startswith", "endswith"}
_VALUE_FUNCS = {"length", "tolower", "toupper", "trim"}


# --- keys -----------------------------------------------------------------------------------------
def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == sep:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _key_value(raw: str, numeric: bool) -> Any:
    raw = raw.strip()
    if raw.startswith("'"):
        if not raw.endswith("'") or len(raw) < 2 or numeric:
            raise SageError("InvalidEntityKey", "The entity key is malformed.")
        return raw[1:-1].replace("''", "'")
    if numeric:
        try:
            return int(Decimal(raw))
        except InvalidOperation:
            raise SageError("InvalidEntityKey", "The entity key is malformed.") from None
    if not raw or " " in raw:
        raise SageError("InvalidEntityKey", "The entity key is malformed.")
    return raw


def parse_key(text: str, key_fields: list[tuple[str, bool]]) -> dict[str, Any] | str:
    """The key values by field name, or `TEMPLATE`.

    Args:
        text: what stands between the parentheses.
        key_fields: (field name, numeric?) in key order.
    """
    stripped = text.strip()
    if stripped in (TEMPLATE, f"'{TEMPLATE}'"):
        return TEMPLATE
    if stripped in ("$process", "'$process'") or stripped.startswith(("$", "'$")):
        raise SageError(
            "InvalidAction", "A POST with an entity key must use $template or $process."
        )
    parts = _split_top(stripped, ",")
    if len(parts) != len(key_fields):
        raise SageError(
            "InvalidEntityKey",
            f"The entity key needs {len(key_fields)} segment(s): "
            + ", ".join(name for name, _ in key_fields),
        )
    numeric = dict(key_fields)
    out: dict[str, Any] = {}
    for i, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if sep and not name.strip().startswith("'"):
            field = name.strip()
            if field not in numeric:
                raise SageError("InvalidEntityKey", f"'{field}' is not a key property.")
        else:
            field, value = key_fields[i][0], part
        out[field] = _key_value(value, numeric[field])
    if len(out) != len(key_fields):
        raise SageError("InvalidEntityKey", "The entity key names a segment twice.")
    return out


# --- $filter --------------------------------------------------------------------------------------
def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise bad_parameters(f"$filter has an unexpected character at position {pos}.")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _literal(kind: str, raw: str) -> Any:
    if kind == "string":
        return raw[1:-1].replace("''", "'")
    if kind == "datetime":
        return parse_datetime(raw[len("datetime'") : -1])
    if kind == "date":
        return parse_datetime(raw)
    if kind == "number":
        return Decimal(raw.rstrip("mMdDfFlL"))
    low = raw.lower()
    if low == "null":
        return None
    if low in ("true", "false"):
        return low == "true"
    raise bad_parameters(f"$filter: '{raw}' is not a property or a value.")


def parse_datetime(text: str) -> dt.datetime:
    """A datetime literal (or a rendered date) as a naive datetime (zones dropped to UTC)."""
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise bad_parameters(f"'{text}' is not a valid datetime.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _comparable(have: Any, want: Any) -> tuple[Any, Any]:
    if isinstance(want, dt.datetime):
        return (parse_datetime(have) if isinstance(have, str) else have), want
    if isinstance(want, Decimal) and isinstance(have, int | Decimal) and not isinstance(have, bool):
        return Decimal(have), want
    if isinstance(have, str) and isinstance(want, str):
        return have.lower(), want.lower()
    if isinstance(have, bool) and isinstance(want, bool):
        return have, want
    if isinstance(have, Decimal) and isinstance(want, int | Decimal):
        return have, Decimal(want)
    raise bad_parameters("$filter compares a property with a value of another type.")


def compare(op: str, have: Any, want: Any) -> bool:
    """One comparison; null equals only null."""
    if have is None or want is None:
        if op == "eq":
            return have is None and want is None
        if op == "ne":
            return (have is None) != (want is None)
        return False
    a, b = _comparable(have, want)
    return bool(
        {"eq": a == b, "ne": a != b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    )


Value = Callable[[Row], Any]


class _Parser:
    def __init__(self, text: str, check: Callable[[str], str]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.check = check

    def parse(self) -> Predicate:
        if not self.tokens:
            raise bad_parameters("$filter is empty.")
        pred = self._or()
        if self.pos != len(self.tokens):
            raise bad_parameters(f"$filter: unexpected '{self.tokens[self.pos][1]}'.")
        return pred

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _take(self, text: str | None = None) -> tuple[str, str]:
        tok = self._peek()
        if tok[0] == "end" or (text is not None and tok[1].lower() != text):
            raise bad_parameters(f"$filter: expected {text or 'more'} at the end.")
        self.pos += 1
        return tok

    def _word(self, word: str) -> bool:
        kind, text = self._peek()
        return kind == "name" and text.lower() == word

    def _or(self) -> Predicate:
        left = self._and()
        while self._word("or"):
            self.pos += 1
            right = self._and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._not()
        while self._word("and"):
            self.pos += 1
            right = self._not()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def _not(self) -> Predicate:
        if self._word("not"):
            self.pos += 1
            inner = self._not()
            return lambda r: not inner(r)
        return self._primary()

    def _primary(self) -> Predicate:
        if self._peek() == ("punct", "("):
            self.pos += 1
            inner = self._or()
            self._take(")")
            return inner
        kind, text = self._peek()
        if kind == "name" and text.lower() in _BOOL_FUNCS and self._is_call():
            func = self._bool_func()
            if self._peek()[1].lower() in _OPS:  # startswith(...) eq true
                op = self._take()[1].lower()
                want = self._value()
                return lambda r: compare(op, func(r), want(r))
            return func
        left = self._value()
        op = self._take()[1].lower()
        if op not in _OPS:
            raise bad_parameters(f"$filter: unknown operator '{op}'.")
        right = self._value()
        return lambda r: compare(op, left(r), right(r))

    def _is_call(self) -> bool:
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else ("end", "")
        return nxt == ("punct", "(")

    def _args(self) -> list[Value]:
        self._take("(")
        args = [self._value()]
        while self._peek() == ("punct", ","):
            self.pos += 1
            args.append(self._value())
        self._take(")")
        return args

    def _bool_func(self) -> Predicate:
        name = self._take()[1].lower()
        args = self._args()
        if len(args) != 2:
            raise bad_parameters(f"$filter: {name} takes two arguments.")
        a, b = args

        def text(v: Any) -> str | None:
            return v.lower() if isinstance(v, str) else None

        def test(r: Row) -> bool:
            x, y = text(a(r)), text(b(r))
            if x is None or y is None:
                return False
            if name == "substringof":
                return x in y
            if name == "startswith":
                return x.startswith(y)
            return x.endswith(y)

        return test

    def _value(self) -> Value:
        kind, text = self._take()
        if kind == "name" and text.lower() in _VALUE_FUNCS and self._peek() == ("punct", "("):
            name = text.lower()
            args = self._args()
            if len(args) != 1:
                raise bad_parameters(f"$filter: {name} takes one argument.")
            arg = args[0]
            funcs: dict[str, Callable[[Any], Any]] = {
                "length": lambda v: Decimal(len(v)) if isinstance(v, str) else None,
                "tolower": lambda v: v.lower() if isinstance(v, str) else v,
                "toupper": lambda v: v.upper() if isinstance(v, str) else v,
                "trim": lambda v: v.strip() if isinstance(v, str) else v,
            }
            fn = funcs[name]
            return lambda r: fn(arg(r))
        if kind == "name" and text.lower() not in ("true", "false", "null"):
            field = self.check(text)
            return lambda r: r.get(field)
        value = _literal(kind, text)
        return lambda r: value


def parse_filter(text: str, check: Callable[[str], str]) -> Predicate:
    """The predicate of a ``$filter``; `check(name)` returns the field or raises."""
    return _Parser(text, check).parse()


# --- the other options ----------------------------------------------------------------------------
@dataclass
class Query:
    """The query options of one GET."""

    filter: Predicate | None = None
    top: int | None = None
    skip: int = 0
    count: bool = False
    select: list[str] | None = None
    orderby: list[tuple[str, bool]] | None = None  # (field, descending)


def _whole(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise bad_parameters(f"The {name} query option must be a positive integer.")
    return int(raw)


def parse_query(pairs: list[tuple[str, str]], check: Callable[[str], str]) -> Query:
    """Parse the query string pairs (each option at most once)."""
    q = Query()
    seen: set[str] = set()
    for name, raw in pairs:
        if not name.startswith("$"):
            continue
        if name in seen:
            raise bad_parameters(f"The {name} query option appears more than once.")
        seen.add(name)
        if name == "$filter":
            q.filter = parse_filter(raw, check)
        elif name == "$top":
            q.top = _whole(name, raw)
        elif name == "$skip":
            q.skip = _whole(name, raw)
        elif name == "$count":
            if raw.lower() not in ("true", "false"):
                raise bad_parameters("The $count query option must be true or false.")
            q.count = raw.lower() == "true"
        elif name == "$select":
            q.select = [check(s.strip()) for s in raw.split(",") if s.strip()]
        elif name == "$orderby":
            q.orderby = []
            for part in raw.split(","):
                words = part.split()
                if (
                    not words
                    or len(words) > 2
                    or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
                ):
                    raise bad_parameters("The $orderby query option is malformed.")
                q.orderby.append((check(words[0]), len(words) == 2 and words[1].lower() == "desc"))
        elif name == "$format":
            if raw.lower() != "json":
                raise bad_parameters("Only $format=json is supported.")
        else:
            raise bad_parameters(f"The query option {name} is not supported.")
    return q


def sort_key(value: Any) -> tuple[int, Any]:
    """Nulls first, strings without case."""
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)
