"""The one resilient HTTP layer every REST connector uses (httpx).

Retries with full-jitter backoff, rate-limit waits and pacing from quota headers, the error table,
usage counters, redaction, pagination styles, renewable bearer sessions, and a `requests` adapter
for simple-salesforce.
"""

from __future__ import annotations

from connectors.http.classify import (
    DEFAULT_ERROR_TABLE,
    ErrorRule,
    build_error,
    classify_exception,
    classify_response,
    error_code,
    error_message,
)
from connectors.http.client import ResilientClient, client_from_settings
from connectors.http.connector import ConnectorClient
from connectors.http.errors import (
    ERROR_TYPES,
    Action,
    AuthError,
    ConfigError,
    ConnectorError,
    FailureType,
    IncompletePaginationError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from connectors.http.logs import LOGGER_NAME
from connectors.http.pagination import (
    CursorPaginator,
    NextLinkPaginator,
    NextRecordsUrlPaginator,
    ODataNextLinkPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    paginate,
)
from connectors.http.policy import RateLimitPolicy, RetryPolicy
from connectors.http.quota import (
    Pacer,
    QuotaReader,
    QuotaSnapshot,
    RateLimitHeaders,
    retry_after_seconds,
)
from connectors.http.redaction import (
    REDACTED,
    redact_headers,
    redact_payload,
    redact_text,
    redact_url,
)
from connectors.http.renew import BearerSession, RenewalBudget
from connectors.http.requests_adapter import ResilientRequestsAdapter, make_requests_session
from connectors.http.usage import ApiUsage, all_usage, reset_all_usage, usage_for

__all__ = [
    "DEFAULT_ERROR_TABLE",
    "ERROR_TYPES",
    "LOGGER_NAME",
    "REDACTED",
    "Action",
    "ApiUsage",
    "AuthError",
    "BearerSession",
    "ConfigError",
    "ConnectorClient",
    "ConnectorError",
    "CursorPaginator",
    "ErrorRule",
    "FailureType",
    "IncompletePaginationError",
    "NextLinkPaginator",
    "NextRecordsUrlPaginator",
    "ODataNextLinkPaginator",
    "OffsetPaginator",
    "Pacer",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "QuotaExhaustedError",
    "QuotaReader",
    "QuotaSnapshot",
    "RateLimitHeaders",
    "RateLimitPolicy",
    "RateLimitedError",
    "RecordError",
    "RenewalBudget",
    "ResilientClient",
    "ResilientRequestsAdapter",
    "RetryPolicy",
    "TransientError",
    "all_usage",
    "build_error",
    "classify_exception",
    "classify_response",
    "client_from_settings",
    "error_code",
    "error_message",
    "make_requests_session",
    "paginate",
    "redact_headers",
    "redact_payload",
    "redact_text",
    "redact_url",
    "reset_all_usage",
    "retry_after_seconds",
    "usage_for",
]
