"""Where things are in a mapping's YAML text: the line of each key, by path.

`lines(text)` gives `{("fields", "Name"): 12, ("tables", "status", "pending"): 30, ...}` (1-based
line numbers) from PyYAML's node marks, so findings can say `file:line`.
"""

from __future__ import annotations

import yaml


def lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) of every mapping key in `text`, by its path of keys."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                out[(*path, name)] = key.start_mark.line + 1
                walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[(*path, str(i))] = item.start_mark.line + 1
                walk(item, (*path, str(i)))

    if root is not None:
        walk(root, ())
    return out


def end_of_block(text: str, key: str) -> tuple[int, str] | None:
    """(the index of the line after the last line of top-level block `key:`, the indentation
    of its entries), or None when there is no such block. The block is every indented or blank
    line after `key:`; what follows it (the next top-level key or comment) stays after it."""
    rows = text.splitlines()
    start = next((i for i, row in enumerate(rows) if row.rstrip() == f"{key}:"), None)
    if start is None:
        return None
    indent = ""
    last = start
    for i in range(start + 1, len(rows)):
        row = rows[i]
        if not row.strip():
            continue
        if not row[:1].isspace():
            break
        stripped = row.lstrip()
        if not indent and not stripped.startswith("#"):
            indent = row[: len(row) - len(stripped)]
        last = i
    return last + 1, indent or "  "
