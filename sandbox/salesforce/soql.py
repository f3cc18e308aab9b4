"""A SOQL parser for the subset the emulated org (REST API v42.0–v62.0) answers.

Grammar::

    SELECT (COUNT() | path {, path}) FROM object
      [WHERE condition] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST] {, ...}]
      [LIMIT n] [OFFSET n]
    condition  := unary {AND unary} | unary {OR unary}   (mixing needs parentheses, as in SOQL)
    unary      := NOT unary | ( condition ) | path op literal
                | path [NOT] IN ( literal {, literal} )
    op         := = | != | <> | < | <= | > | >= | LIKE
    literal    := 'string' (backslash escapes) | number | true | false | null
                | 2024-01-01 | 2024-01-01T00:00:00Z (or .sss, +hh:mm)
                | TODAY | THIS_WEEK | LAST_N_DAYS:n | ...   (date literals: `date_literals`)
    path       := Field | Relationship.Field

Keywords and names are case-insensitive. Syntax errors raise ``MALFORMED_QUERY``.
Not supported (``MALFORMED_QUERY``): sub-queries, aggregate functions other than ``COUNT()``,
GROUP BY, fiscal date literals (``THIS_FISCAL_QUARTER`` …), bind variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.date_literals import FIXED, WITH_N
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.soql_lexer import Token, malformed, tokenize

KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "LIKE",
        "IN",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "TRUE",
        "FALSE",
        "NULL",
        "COUNT",
        "GROUP",
        "HAVING",
    }
)
COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})


@dataclass(frozen=True)
class Literal:
    """A literal value: kind is string, number, boolean, null, date, datetime or relative (a
    date literal: value ``(name, n)``, n None for literals without a number)."""

    kind: str
    value: Any


@dataclass(frozen=True)
class Path:
    """A field path as written: ``Name`` or ``Account.Name``."""

    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The path as written."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Comparison:
    path: Path
    op: str  # = != < <= > >= LIKE IN NOT IN
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class Junction:
    op: str  # AND | OR
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Negation:
    item: Node


Node = Comparison | Junction | Negation


@dataclass(frozen=True)
class Ordering:
    path: Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    """A parsed SELECT."""

    sobject: str
    fields: tuple[Path, ...]
    count: bool
    where: Node | None
    order_by: tuple[Ordering, ...]
    limit: int | None
    offset: int | None


def parse(soql: str) -> Query:
    """Parse `soql`, raising MALFORMED_QUERY on what the org would refuse or we do not support."""
    return _Parser(tokenize(soql)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    # --- token helpers --------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text.upper() in words

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.pos += 1
            return True
        return False

    def expect_kw(self, word: str) -> None:
        if not self.accept_kw(word):
            raise self.unexpected()

    def accept_op(self, op: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == op:
            self.pos += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.unexpected()

    def unexpected(self) -> SfError:
        text = self.tok.text or "<EOF>"
        return malformed(f"unexpected token: {text}")

    # --- grammar --------------------------------------------------------------------------------
    def query(self) -> Query:
        self.expect_kw("SELECT")
        count, fields = self.select_list()
        self.expect_kw("FROM")
        sobject = self.name()
        where = self.expression() if self.accept_kw("WHERE") else None
        order_by = self.order_by() if self.is_kw("ORDER") else ()
        limit = self.integer() if self.accept_kw("LIMIT") else None
        offset = self.integer() if self.accept_kw("OFFSET") else None
        if self.tok.kind != "eof":
            raise self.unexpected()
        return Query(sobject, fields, count, where, order_by, limit, offset)

    def select_list(self) -> tuple[bool, tuple[Path, ...]]:
        if self.is_kw("COUNT") and self.tokens[self.pos + 1].text == "(":
            self.pos += 1
            self.expect_op("(")
            self.expect_op(")")
            return True, ()
        fields = [self.path()]
        while self.accept_op(","):
            fields.append(self.path())
        seen: set[str] = set()
        for f in fields:
            if f.text.lower() in seen:
                raise malformed(f"duplicate field selected: {f.text}")
            seen.add(f.text.lower())
        return False, tuple(fields)

    def name(self) -> str:
        # Keywords are allowed here: ``FROM Order`` names the Order object.
        if self.tok.kind != "ident" or "." in self.tok.text:
            raise self.unexpected()
        self.pos += 1
        return self.tokens[self.pos - 1].text

    def path(self) -> Path:
        if self.tok.kind != "ident" or self.tok.text.upper() in KEYWORDS:
            raise self.unexpected()
        self.pos += 1
        if self.tok.kind == "op" and self.tok.text == "(":
            raise self.unexpected()  # functions / aggregates are not supported
        return Path(tuple(self.tokens[self.pos - 1].text.split(".")))

    def integer(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.unexpected()
        self.pos += 1
        return int(tok.text)

    def expression(self) -> Node:
        items = [self.unary()]
        joiner: str | None = None
        while self.is_kw("AND", "OR"):
            word = self.tok.text.upper()
            if joiner is not None and word != joiner:
                raise self.unexpected()  # SOQL needs parentheses to mix AND and OR
            joiner = word
            self.pos += 1
            items.append(self.unary())
        return items[0] if joiner is None else Junction(joiner, tuple(items))

    def unary(self) -> Node:
        if self.accept_kw("NOT"):
            return Negation(self.unary())
        if self.accept_op("("):
            node = self.expression()
            self.expect_op(")")
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        path = self.path()
        if self.accept_kw("NOT"):
            self.expect_kw("IN")
            return Comparison(path, "NOT IN", self.literal_list())
        if self.accept_kw("IN"):
            return Comparison(path, "IN", self.literal_list())
        if self.accept_kw("LIKE"):
            return Comparison(path, "LIKE", self.literal())
        if self.tok.kind == "op" and self.tok.text in COMPARISONS:
            op = "!=" if self.tok.text == "<>" else self.tok.text
            self.pos += 1
            return Comparison(path, op, self.literal())
        raise self.unexpected()

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect_op("(")
        values = [self.literal()]
        while self.accept_op(","):
            values.append(self.literal())
        self.expect_op(")")
        return tuple(values)

    def literal(self) -> Literal:
        tok = self.tok
        if tok.kind in ("string", "number", "date", "datetime"):
            self.pos += 1
            return Literal(tok.kind, tok.value)
        if tok.kind == "relative" and tok.value[0] in WITH_N:
            self.pos += 1
            return Literal("relative", tok.value)
        if tok.kind == "ident" and tok.text.upper() in FIXED:
            self.pos += 1
            return Literal("relative", (tok.text.upper(), None))
        for word, lit in (
            ("TRUE", Literal("boolean", True)),
            ("FALSE", Literal("boolean", False)),
            ("NULL", Literal("null", None)),
        ):
            if self.accept_kw(word):
                return lit
        raise self.unexpected()

    def order_by(self) -> tuple[Ordering, ...]:
        self.expect_kw("ORDER")
        self.expect_kw("BY")
        orderings = [self.ordering()]
        while self.accept_op(","):
            orderings.append(self.ordering())
        return tuple(orderings)

    def ordering(self) -> Ordering:
        path = self.path()
        descending = self.accept_kw("DESC")
        if not descending:
            self.accept_kw("ASC")
        nulls_first = True  # documented default: null values are sorted first
        if self.accept_kw("NULLS"):
            if self.accept_kw("LAST"):
                nulls_first = False
            else:
                self.expect_kw("FIRST")
        return Ordering(path, descending, nulls_first)
