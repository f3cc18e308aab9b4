"""The SOQL tokenizer of the emulated org (REST API v42.0–v62.0).

Tokens: quoted strings (backslash escapes ``\\n \\r \\t \\b \\f \\" \\' \\\\``; ``\\_`` and
``\\%`` stay escaped for LIKE), datetime literals (normalised to UTC in the API's format), date
literals, numbers, date literals with a number (``LAST_N_DAYS:7``, one token), names (dotted paths
are one token) and operators. Anything else is ``MALFORMED_QUERY``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.values import stamp, valid_date

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<string>'(?:\\.|[^'\\])*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))
    |(?P<relative>[A-Za-z_]+:\d+)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,)
    """,
    re.VERBOSE,
)
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def malformed(message: str) -> SfError:
    """A 400 MALFORMED_QUERY."""
    return SfError("MALFORMED_QUERY", message)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    value: Any = None


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "_%":  # LIKE wildcards escaped: kept escaped for the LIKE matcher
            out.append("\\" + nxt)
        elif nxt in ESCAPES:
            out.append(ESCAPES[nxt])
        else:
            raise malformed(
                f"Invalid string literal '{body}'. Illegal character sequence "
                f"'\\{nxt}' in string literal."
            )
        i += 2
    return "".join(out)


def _datetime(text: str) -> str:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return stamp(moment)


def tokenize(soql: str) -> list[Token]:
    """Split a query into tokens (strings unescaped, datetimes normalised to UTC)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(soql):
        match = TOKEN_RE.match(soql, pos)
        if match is None:
            raise malformed(f"unexpected token: {soql[pos:].split()[0]}")
        kind, text = match.lastgroup or "", match.group()
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "string":
            tokens.append(Token(kind, text, _unescape(text[1:-1])))
        elif kind == "datetime":
            try:
                tokens.append(Token(kind, text, _datetime(text)))
            except ValueError:
                raise malformed(
                    f"line 1:{pos} no viable alternative at character '{text}'"
                ) from None
        elif kind == "date":
            if not valid_date(text):
                raise malformed(f"line 1:{pos} no viable alternative at character '{text}'")
            tokens.append(Token(kind, text, text))
        elif kind == "number":
            tokens.append(Token(kind, text, float(text)))
        elif kind == "relative":
            name, _, n = text.partition(":")
            tokens.append(Token(kind, text, (name.upper(), int(n))))
        else:
            tokens.append(Token(kind, text))
    tokens.append(Token("eof", ""))
    return tokens
