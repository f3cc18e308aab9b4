"""Raw Salesforce REST payloads the connector reads (token response, Collections results)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenResponse(BaseModel):
    """OAuth token endpoint answer (JWT bearer flow): no refresh token, no expiry."""

    model_config = ConfigDict(extra="allow", frozen=True)

    access_token: str
    instance_url: str
    id: str | None = None
    token_type: str = "Bearer"  # noqa: S105 - a token type name, not a secret
    scope: str | None = None


class RecordIssue(BaseModel):
    """One error of a Collections record (`statusCode` here, `errorCode` at top level)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    status_code: str = Field(alias="statusCode")
    message: str
    fields: list[str] = Field(default_factory=list)


class SaveResult(BaseModel):
    """Per-record result of a Collections call, in the order the records were sent."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str | None = None
    success: bool
    created: bool | None = None
    errors: list[RecordIssue] = Field(default_factory=list)

    @property
    def error_text(self) -> str:
        """`CODE: message (fields)` for every error, joined."""
        return "; ".join(
            f"{e.status_code}: {e.message}" + (f" ({', '.join(e.fields)})" if e.fields else "")
            for e in self.errors
        )

    def has_code(self, code: str) -> bool:
        """True when one of the errors carries `code`."""
        return any(e.status_code == code for e in self.errors)
