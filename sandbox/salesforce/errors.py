"""Salesforce error shapes (REST API v42.0–v62.0).

Top-level REST errors are a JSON array ``[{"message", "errorCode", "fields"?}]``; inside sObject
Collections results the same error is ``{"statusCode", "message", "fields"}``. The OAuth token
endpoint answers ``{"error", "error_description"}`` instead.
"""

from __future__ import annotations

from typing import Any

NOT_FOUND_MESSAGE = "The requested resource does not exist"


class SfError(Exception):
    """A Salesforce API error: HTTP status, errorCode, message and (for DML) field names."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        fields: list[str] | None = None,
    ) -> None:
        """Describe the error.

        Args:
            code: the errorCode / statusCode, e.g. ``REQUIRED_FIELD_MISSING``.
            message: the human-readable message.
            status: the HTTP status of a top-level error response.
            fields: field names for DML errors; None omits the key (non-DML errors).
        """
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        """The top-level error array."""
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]

    def collection_error(self) -> dict[str, Any]:
        """The error entry of an sObject Collections result (`statusCode`, not `errorCode`)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}


class MultipleMatches(SfError):
    """Several records share an external id value: 300 with the records' URLs."""

    def __init__(self, field_name: str, value: str, ids: list[str]) -> None:
        """Record the ambiguous match.

        Args:
            field_name: the external id field.
            value: the value several records share.
            ids: their ids.
        """
        super().__init__(
            "DUPLICATE_EXTERNAL_ID",
            f"{field_name}: more than one record found for external id field: {ids}",
            status=300,
            fields=[],
        )
        self.ids = ids


class OAuthError(Exception):
    """A token endpoint refusal: ``{"error", "error_description"}`` with status 400."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Describe the refusal.

        Args:
            error: the OAuth error code, e.g. ``invalid_grant``.
            description: the ``error_description`` text.
            status: the HTTP status.
        """
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def not_found(message: str = NOT_FOUND_MESSAGE) -> SfError:
    """A 404 NOT_FOUND."""
    return SfError("NOT_FOUND", message, status=404)


def dml(code: str, message: str, *fields: str) -> SfError:
    """A 400 DML error carrying `fields` (possibly empty)."""
    return SfError(code, message, fields=list(fields))
