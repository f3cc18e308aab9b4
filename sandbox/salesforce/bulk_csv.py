"""CSV of Bulk API 2.0 ingest jobs in the emulated org (REST API v42.0–v62.0): reading uploaded
data, turning a row into a DML body, writing result files.

Documented rules followed: the first row names the fields (API names; a relationship column is
``RelationshipName.ExternalIdField``, e.g. ``Account.Storebridge_Id__c``); any of the six
delimiters (``COMMA``, ``BACKQUOTE``, ``CARET``, ``PIPE``, ``SEMICOLON``, ``TAB``) and ``LF`` or
``CRLF`` line endings, as the job declares them; values are not trimmed; an empty value is
ignored (left unchanged on update/upsert, unset on insert) and ``#N/A`` sets the field to null.
Result files start with ``"sf__Id","sf__Created"`` (successes) or ``"sf__Id","sf__Error"``
(failures) followed by the input columns; an error reads ``CODE:message:fields --``.

Assumptions: result files use the job's delimiter and line ending; the ``sf__`` cells are always
quoted, input cells only where needed; booleans also accept ``1``/``0``; a date may carry a
trailing ``Z`` (as in the documented sample CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.model import SObject
from sandbox.salesforce.schema import SCHEMA

DELIMITERS = {
    "COMMA": ",",
    "BACKQUOTE": "`",
    "CARET": "^",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL = "#N/A"


class JobFailure(Exception):
    """The whole job fails (``state: Failed``) with `message` as its ``errorMessage``."""


def read(data: bytes, delimiter: str, line_ending: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of an upload.

    Raises:
        JobFailure: no data, or a line ending other than the job's.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JobFailure("InvalidBatch : Failed to process the job: not UTF-8") from None
    if not text.strip():
        raise JobFailure("InvalidBatch : Failed to process the job: no data was uploaded")
    first = text.split("\n", 1)[0]
    if (line_ending == "LF") == first.endswith("\r") and "\n" in text:
        raise JobFailure(
            f"ClientInputError : LineEnding is invalid on user data. Current "
            f"LineEnding setting is {line_ending}"
        )
    try:
        return _rows(text, delimiter)
    except csv.Error as exc:
        raise JobFailure(f"InvalidBatch : Failed to parse the CSV data: {exc}") from None


def _rows(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter])
    rows = [row for row in reader if row]
    return (rows[0], rows[1:]) if rows else ([], [])


def read_loosely(data: bytes, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an upload whatever its line ending (for unprocessed records)."""
    try:
        return _rows(data.decode("utf-8-sig"), delimiter)
    except (UnicodeDecodeError, csv.Error):
        return [], []


def columns(obj: SObject, header: Sequence[str]) -> list[tuple[str, str | None]]:
    """(field or relationship name, external id field or None) per column, canonical names.

    Raises:
        JobFailure: a column that is neither a field nor ``Relationship.ExternalIdField``.
    """
    out: list[tuple[str, str | None]] = []
    for name in header:
        rel, _, leaf = name.partition(".")
        if not leaf:
            f = obj.field(name)
            if f is None:
                raise JobFailure(f"InvalidBatch : Field name not found : {name}")
            out.append((f.name, None))
            continue
        ref = obj.relationship(rel)
        target = SCHEMA[str(ref.reference_to)] if ref is not None else None
        ext = target.field(leaf) if target is not None else None
        if ref is None or ext is None or not (ext.external_id or ext.name == "Id"):
            raise JobFailure(f"InvalidBatch : Field name not found : {name}")
        out.append((str(ref.relationship), ext.name))
    return out


def _value(obj: SObject, name: str, cell: str) -> Any:
    if cell == NULL:
        return None
    f = obj.field(name)
    if f is not None and f.type == "boolean" and cell in ("1", "0"):
        return cell == "1"
    if f is not None and f.type == "date" and cell.endswith("Z"):
        return cell[:-1]
    return cell


def body(
    obj: SObject,
    cols: Sequence[tuple[str, str | None]],
    cells: Sequence[str],
    skip: str | None = None,
) -> dict[str, Any]:
    """A DML body from one row: empty cells left out, ``#N/A`` as null.

    Args:
        obj: the job's object.
        cols: `columns` of the header.
        cells: the row's values.
        skip: a column to leave out (the upsert key, the Id of an update).
    """
    out: dict[str, Any] = {}
    for (name, ext), cell in zip(cols, cells, strict=False):
        if cell == "" or (skip is not None and name.lower() == skip.lower() and ext is None):
            continue
        if ext is None:
            out[name] = _value(obj, name, cell)
        elif cell == NULL:
            ref = obj.relationship(name)
            out[str(ref.name) if ref else name] = None  # clears the lookup
        else:
            out[name] = {ext: cell}
    return out


def cell_of(header: Sequence[str], cells: Sequence[str], name: str) -> str:
    """The row's value of column `name` (any case), '' when absent."""
    for column, cell in zip(header, cells, strict=False):
        if column.lower() == name.lower():
            return cell
    return ""


def error_text(err: SfError) -> str:
    """``CODE:message:field,field --`` as failed results show an error."""
    return f"{err.code}:{err.message}:{','.join(err.fields or [])} --"


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def _minimal(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\r", "\n")):
        return _quoted(cell)
    return cell


def write(
    fixed: Sequence[str],
    header: Sequence[str],
    rows: Sequence[tuple[Sequence[str], Sequence[str]]],
    delimiter: str,
    line_ending: str,
) -> str:
    """A result file: the quoted `fixed` columns, then the input columns, one line per row."""
    sep, end = DELIMITERS[delimiter], LINE_ENDINGS[line_ending]
    lines = [sep.join([*(_quoted(c) for c in fixed), *(_minimal(c, sep) for c in header)])]
    for extra, cells in rows:
        lines.append(sep.join([*(_quoted(c) for c in extra), *(_minimal(c, sep) for c in cells)]))
    return end.join(lines) + end
