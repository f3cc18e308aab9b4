"""Adding fields to a mapping's YAML as a reviewable change: the text is edited, never re-dumped.

`add_fields` inserts one line per accepted suggestion at the end of the `fields:` block, in the
block's indentation, with a comment saying where it came from (score and reasons); comments,
order and layout of everything else stay as they are. The result is parsed and validated before
it is returned, and `diff` shows it as a unified diff.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import yaml

from transforms.mapping import FieldMapping
from transforms.studio.yamltext import end_of_block

PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class Addition:
    """A field to add: its name, its rule as YAML flow text, the comment that goes with it."""

    field: str
    rule: str
    comment: str = ""


def _key(name: str) -> str:
    return name if PLAIN_KEY.match(name) else '"' + name.replace('"', '\\"') + '"'


def add_fields(text: str, additions: list[Addition], name: str = "mapping") -> str:
    """`text` with `additions` appended to its `fields:` block.

    Raises:
        ValueError: no `fields:` block, a field that is already there, or a result that is no
            valid mapping (nothing is returned half-edited).
    """
    found = end_of_block(text, "fields")
    if found is None:
        raise ValueError(f"{name}: no top-level `fields:` block to add to")
    at, indent = found
    data = yaml.safe_load(text) or {}
    have = {str(k).lower() for k in (data.get("fields") or {})}
    lines = []
    for a in additions:
        if a.field.lower() in have:
            raise ValueError(f"{name}: {a.field} is mapped already")
        comment = f"  # {a.comment}" if a.comment else ""
        lines.append(f"{indent}{_key(a.field)}: {a.rule}{comment}")
    rows = text.splitlines()
    out = "\n".join([*rows[:at], *lines, *rows[at:]]) + ("\n" if text.endswith("\n") else "")
    FieldMapping.model_validate({"name": name, **yaml.safe_load(out)})
    return out


def diff(before: str, after: str, path: str) -> str:
    """A unified diff of a mapping file's change."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=path if path.startswith("/") else f"a/{path}",
            tofile=path if path.startswith("/") else f"b/{path}",
        )
    )
