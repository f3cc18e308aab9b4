"""The Web API's documented error body, ``{"error": {"code": "0x...", "message": "..."}}``.

Codes used (`shared/docs/backoffice-apis.md` §2.7, `wire-examples.json`): ``0x80040217`` record
does not exist (404), ``0x80040237`` duplicate record / key (412), ``0x80060882`` row version
mismatch (412), ``0x80060888`` unknown property (400), ``0x8006088a`` query syntax (400),
``0x80044352`` expired change-tracking version stamp (400), ``0x80072322`` request limit (429).
Where the docs name no code for a case (state rules, `$batch` limits), the code is ``""``, which
the docs call common ("often empty"), and the message says what failed.
Messages name tables, columns and ids, never values a record holds.
"""

from __future__ import annotations

from typing import Any


class ODataError(Exception):
    """A failed Web API request: HTTP status plus the error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The documented error body."""
        return {"error": {"code": self.code, "message": self.message}}


def not_found(logical: str, row_id: str) -> ODataError:
    """404 for a missing row addressed by GUID."""
    return ODataError(404, "0x80040217", f"{logical} With Id = {row_id} Does Not Exist")


def key_not_found(logical: str) -> ODataError:
    """404 for a missing row addressed by alternate key."""
    return ODataError(
        404,
        "0x80040217",
        f"A record with the specified key values does not exist in {logical} entity",
    )


def duplicate() -> ODataError:
    """412 for ``If-None-Match: *`` on an existing row, or a create on a taken key."""
    return ODataError(412, "0x80040237", "A record with matching key values already exists.")


def version_mismatch() -> ODataError:
    """412 for a stale ``If-Match: W/"<n>"``."""
    return ODataError(
        412,
        "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )


def bad_property(logical: str, name: str) -> ODataError:
    """400 for a column or navigation property the table does not have."""
    return ODataError(
        400,
        "0x80060888",
        f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{logical}'.",
    )


def query_syntax(detail: str) -> ODataError:
    """400 for a malformed URL, key or query option."""
    return ODataError(400, "0x8006088a", f"Bad Request - Error in query syntax: {detail}")


def invalid(message: str, code: str = "") -> ODataError:
    """400 for a rule the platform enforces (state, price list, locked order)."""
    return ODataError(400, code, message)


def expired_token() -> ODataError:
    """400 for an expired or unknown ``$deltatoken``: the client must read everything again."""
    return ODataError(
        400,
        "0x80044352",
        "Version stamp associated with the client has expired. Please perform a full sync.",
    )
