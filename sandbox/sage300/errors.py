"""The Web API's error body, ``{"error": {"code", "message": {"lang": "en-US", "value"}}}``.

Codes are the documented list (Developer Reference, "Error code"): clients branch on `code`. HTTP
statuses where the reference is silent: Unauthorized 401, RecordNotFound / ResourceNotFound 404,
MethodNotAllowed 405, RecordDuplicate 409, TooManyRequests 429, InternalServerError 500, the
payload / parameter / business-rule codes 400. Messages name the record and field (customer,
item and order numbers, property names), never values such as names, e-mails or addresses.
"""

from __future__ import annotations

from typing import Any

STATUS = {
    "InternalServerError": 500,
    "Unauthorized": 401,
    "Forbidden": 403,
    "TooManyRequests": 429,
    "InvalidParameters": 400,
    "ResourceNotFound": 404,
    "InvalidEntityKey": 400,
    "RecordNotFound": 404,
    "MethodNotAllowed": 405,
    "InvalidPayload": 400,
    "InvalidAction": 400,
    "DBLinkError": 500,
    "SessionError": 500,
    "RecordDuplicate": 409,
    "RecordInvalid": 400,
    "General": 400,
}
NOT_FOUND = "A Record cannot be found for the specified entity key"


class SageError(Exception):
    """A failed request: the documented code, its HTTP status and the message."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS[code]

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> dict[str, Any]:
    """The documented error payload."""
    return {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}


def invalid(message: str) -> SageError:
    """RecordInvalid: the payload breaks a business rule (unknown customer, item, ...)."""
    return SageError("RecordInvalid", message)


def bad_payload(message: str) -> SageError:
    return SageError("InvalidPayload", message)


def bad_parameters(message: str) -> SageError:
    return SageError("InvalidParameters", message)


def duplicate(what: str, key: str) -> SageError:
    return SageError("RecordDuplicate", f"{what} {key} already exists.")


def not_found() -> SageError:
    return SageError("RecordNotFound", NOT_FOUND)
