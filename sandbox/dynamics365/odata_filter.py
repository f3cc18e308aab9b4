"""OData v4 ``$filter`` of the Web API: a tokenizer, a recursive-descent parser and predicates.

Supported: ``eq ne gt ge lt le``, ``and``/``or``/``not``, parentheses, ``contains``,
``startswith``, ``endswith``, ``Microsoft.Dynamics.CRM.In(PropertyName='c',PropertyValues=[...])``
and ``...NotIn``; literals ``null``, ``true``/``false``, GUIDs (unquoted), dates and
``DateTimeOffset`` values (unquoted, ``2026-11-01T00:00:00Z``), numbers, and strings in single
quotes with ``''`` for a quote. Columns are logical names, lookups as ``_<column>_value``.

String comparisons are case-insensitive, as Dataverse's SQL collation is; ``contains`` and
``startswith`` too. A comparison with a null column is false except ``eq null``/``ne`` (SQL).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.dynamics365.errors import ODataError, bad_property, query_syntax

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<number>-?\d+(?:\.\d+)?(?:[mMdDfFlL])?)
    | (?P<name>[A-Za-z_][\w.]*)
    | (?P<punct>[()\[\],=])
    )""",
    re.VERBOSE,
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {"contains", "startswith", "endswith"}
_CRM = "microsoft.dynamics.crm."


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of a filter expression; raises ODataError on stray characters."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise query_syntax(f"unexpected character at position {pos} of $filter")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def parse_literal(kind: str, raw: str) -> Any:
    """The Python value of one literal token."""
    if kind == "string":
        return raw[1:-1].replace("''", "'")
    if kind == "guid":
        return raw.lower()
    if kind == "date":
        return parse_datetime(raw)
    if kind == "number":
        try:
            return Decimal(raw.rstrip("mMdDfFlL"))
        except InvalidOperation:
            raise query_syntax(f"invalid number literal {raw}") from None
    low = raw.lower()
    if low == "null":
        return None
    if low in ("true", "false"):
        return low == "true"
    raise query_syntax(f"unexpected name {raw} where a value was expected")


def parse_datetime(raw: str) -> dt.datetime:
    """A date or DateTimeOffset literal as an aware UTC datetime (a date is its midnight UTC)."""
    text = raw.replace("Z", "+00:00")
    if "T" not in text:
        text += "T00:00:00+00:00"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise query_syntax(f"invalid date literal {raw}") from None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _coerce(have: Any, want: Any) -> Any:
    """The row's value in the literal's type (dates and numbers are stored as text/Decimal)."""
    if isinstance(want, dt.datetime) and isinstance(have, str):
        return parse_datetime(have)
    if isinstance(want, Decimal) and not isinstance(have, bool) and isinstance(have, int | str):
        try:
            return Decimal(have)
        except InvalidOperation:
            return have
    return _norm(have)


def compare(op: str, have: Any, want: Any) -> bool:
    """One comparison with SQL null semantics."""
    if want is None or have is None:
        return (
            (have is None) == (want is None)
            if op == "eq"
            else ((have is None) != (want is None) if op == "ne" else False)
        )
    a, b = _coerce(have, want), _norm(want)
    try:
        return {
            "eq": a == b,
            "ne": a != b,
            "gt": a > b,
            "ge": a >= b,
            "lt": a < b,
            "le": a <= b,
        }[op]
    except TypeError:
        raise query_syntax("a comparison mixes incompatible types") from None


class FilterParser:
    """Parses one ``$filter`` into a predicate over rows; `check` validates column names."""

    def __init__(self, text: str, check: Callable[[str], str]) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.check = check

    def parse(self) -> Predicate:
        pred = self._or()
        if self.pos != len(self.tokens):
            raise query_syntax(f"unexpected {self.tokens[self.pos][1]!r} in $filter")
        return pred

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _take(self, text: str | None = None) -> tuple[str, str]:
        tok = self._peek()
        if tok[0] == "end" or (text is not None and tok[1].lower() != text):
            raise query_syntax(f"expected {text or 'a token'} in $filter")
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
        left = self._unary()
        while self._word("and"):
            self.pos += 1
            right = self._unary()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def _unary(self) -> Predicate:
        if self._word("not"):
            self.pos += 1
            inner = self._unary()
            return lambda r: not inner(r)
        if self._peek() == ("punct", "("):
            self.pos += 1
            inner = self._or()
            self._take(")")
            return inner
        kind, text = self._peek()
        if kind == "name" and text.lower() in _FUNCS:
            return self._func()
        if kind == "name" and text.lower().startswith(_CRM):
            return self._crm()
        return self._comparison()

    def _func(self) -> Predicate:
        name = self._take()[1].lower()
        self._take("(")
        column = self.check(self._take()[1])
        self._take(",")
        kind, raw = self._take()
        if kind != "string":
            raise query_syntax(f"{name} needs a string literal")
        needle = str(parse_literal(kind, raw)).lower()
        self._take(")")
        test: Callable[[str], bool] = {
            "contains": lambda s: needle in s,
            "startswith": lambda s: s.startswith(needle),
            "endswith": lambda s: s.endswith(needle),
        }[name]
        return lambda r: isinstance(r.get(column), str) and test(r[column].lower())

    def _crm(self) -> Predicate:
        name = self._take()[1].lower()[len(_CRM) :]
        if name not in ("in", "notin"):
            raise query_syntax(f"query function Microsoft.Dynamics.CRM.{name} is not supported")
        self._take("(")
        args: dict[str, Any] = {}
        while self._peek() != ("punct", ")"):
            key = self._take()[1]
            self._take("=")
            if self._peek() == ("punct", "["):
                self.pos += 1
                values = []
                while self._peek() != ("punct", "]"):
                    values.append(parse_literal(*self._take()))
                    if self._peek() == ("punct", ","):
                        self.pos += 1
                self._take("]")
                args[key] = values
            else:
                args[key] = parse_literal(*self._take())
            if self._peek() == ("punct", ","):
                self.pos += 1
        self._take(")")
        if not isinstance(args.get("PropertyName"), str) or not isinstance(
            args.get("PropertyValues"), list
        ):
            raise query_syntax(f"{name} needs PropertyName and PropertyValues")
        column = self.check(args["PropertyName"])
        wanted = args["PropertyValues"]
        negate = name == "notin"
        return lambda r: negate != any(compare("eq", r.get(column), w) for w in wanted)

    def _comparison(self) -> Predicate:
        kind, text = self._take()
        if kind != "name":
            raise query_syntax("a comparison must start with a column name")
        column = self.check(text)
        op = self._take()[1].lower()
        if op not in _OPS:
            raise query_syntax(f"unknown operator {op!r} in $filter")
        value = parse_literal(*self._take())
        return lambda r: compare(op, r.get(column), value)


def parse_filter(text: str, check: Callable[[str], str]) -> Predicate:
    """The predicate of `text`; `check(name)` returns the stored column or raises ODataError."""
    return FilterParser(text, check).parse()


__all__ = ["ODataError", "Predicate", "bad_property", "compare", "parse_datetime", "parse_filter"]
