"""The error table and the error-body parsers of every system."""

from __future__ import annotations

import ssl

import httpx
import pytest

from connectors.http import (
    DEFAULT_ERROR_TABLE,
    Action,
    AuthError,
    ErrorRule,
    FailureType,
    RecordError,
    build_error,
    classify_exception,
    classify_response,
    error_code,
    error_message,
)
from connectors.http.classify import classify_status

RETRY = (Action.RETRY, FailureType.TRANSIENT)
WAIT = (Action.WAIT, FailureType.RATE_LIMITED)
AUTH = (Action.FAIL, FailureType.AUTH)
CONFIG = (Action.FAIL, FailureType.CONFIG)
RECORD = (Action.DEAD_LETTER, FailureType.RECORD)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, RETRY),
        (425, RETRY),
        (429, WAIT),
        (401, AUTH),
        (403, AUTH),
        (405, CONFIG),
        (406, CONFIG),
        (415, CONFIG),
        (501, CONFIG),
        (505, CONFIG),
        (400, RECORD),
        (404, RECORD),
        (409, RECORD),
        (412, RECORD),
        (413, RECORD),
        (422, RECORD),
        (418, RECORD),
        (451, RECORD),
        (500, RETRY),
        (502, RETRY),
        (503, RETRY),
        (504, RETRY),
        (507, RETRY),
        (599, RETRY),
        (600, CONFIG),
        (101, CONFIG),
    ],
)
def test_default_table(status: int, expected: tuple[Action, FailureType]) -> None:
    assert classify_status(status, None) == expected


def test_salesforce_request_limit_is_a_wait_with_the_connectors_rows() -> None:
    from connectors.salesforce.limits import ERROR_ROWS

    table = (*ERROR_ROWS, *DEFAULT_ERROR_TABLE)
    body = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    assert classify_response(httpx.Response(403, json=body), table) == WAIT
    denied = [{"errorCode": "INSUFFICIENT_ACCESS", "message": "no"}]
    assert classify_response(httpx.Response(403, json=denied), table) == AUTH


def test_the_shared_table_holds_no_system_rows() -> None:
    """A system's codes live with its connector (conventions: Airbyte's DEFAULT | {...})."""
    assert all(rule.codes is None for rule in DEFAULT_ERROR_TABLE)
    body = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    assert classify_response(httpx.Response(403, json=body)) == AUTH  # without Salesforce's rows


def test_coded_rules_win_over_plain_rules_listed_before_them() -> None:
    table = (
        ErrorRule(frozenset({400}), Action.DEAD_LETTER, FailureType.RECORD),
        ErrorRule(frozenset({400}), Action.RETRY, FailureType.TRANSIENT, frozenset({"LOCKED"})),
    )
    assert classify_status(400, "LOCKED", table) == RETRY
    assert classify_status(400, "OTHER", table) == RECORD


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([{"errorCode": "INVALID_FIELD", "message": "x", "fields": []}], "INVALID_FIELD"),
        (
            [
                {
                    "id": None,
                    "success": False,
                    "errors": [{"statusCode": "DUPLICATE_VALUE", "message": "dup"}],
                }
            ],
            "DUPLICATE_VALUE",
        ),
        ([{"statusCode": "ENTITY_IS_DELETED", "message": "gone"}], "ENTITY_IS_DELETED"),
        ({"error": {"code": "0x80044331", "message": "bad"}}, "0x80044331"),
        ({"error": {"code": "", "message": "no code"}}, None),
        (
            {"error": {"code": "RecordNotFound", "message": {"lang": "en", "value": "v"}}},
            "RecordNotFound",
        ),
        ({"status": 422, "title": "t", "type": "https://x", "errors": {}}, None),
        ({"status": 409, "title": "t", "code": 10001}, "10001"),
        ([{"status": 404, "message": "The requested resource was not found."}], None),
        ([{"Key": "Error", "Message": "Invalid offset"}], None),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant"),
        ("plain text", None),
        (None, None),
        ([], None),
    ],
)
def test_error_code(body: object, code: str | None) -> None:
    assert error_code(body) == code


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"errorCode": "X", "message": "Salesforce says"}], "Salesforce says"),
        ({"status": 422, "title": "BigCommerce title"}, "BigCommerce title"),
        ({"error": {"code": "1", "message": "Dataverse says"}}, "Dataverse says"),
        ({"error": {"code": "1", "message": {"lang": "en-US", "value": "Sage says"}}}, "Sage says"),
        ([{"Key": "Error", "Message": "Shift4Shop says"}], "Shift4Shop says"),
        ({"error": "invalid_client", "error_description": "OAuth says"}, "OAuth says"),
        (
            [{"success": False, "errors": [{"statusCode": "X", "message": "collections say"}]}],
            "collections say",
        ),
    ],
)
def test_error_message(body: object, message: str) -> None:
    assert error_message(body, "ignored") == message


def test_error_message_falls_back_to_truncated_text() -> None:
    assert error_message(None, "  Service\n  Unavailable ") == "Service Unavailable"
    long = error_message("x" * 2000, "x" * 2000)
    assert len(long) == 500
    assert long.endswith("…")


def _chained(outer: Exception, cause: BaseException) -> Exception:
    outer.__context__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectTimeout("t"), RETRY),
        (httpx.ReadTimeout("t"), RETRY),
        (httpx.WriteTimeout("t"), RETRY),
        (httpx.PoolTimeout("t"), RETRY),
        (httpx.ConnectError("refused"), RETRY),
        (httpx.ReadError("reset"), RETRY),
        (httpx.WriteError("broken pipe"), RETRY),
        (httpx.RemoteProtocolError("eof"), RETRY),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] self-signed"), CONFIG),
        (_chained(httpx.ConnectError("x"), ssl.SSLCertVerificationError(1, "verify")), CONFIG),
        (_chained(httpx.ConnectError("x"), ssl.SSLError(1, "wrong version")), CONFIG),
        (_chained(httpx.ConnectError("x"), ssl.SSLEOFError(8, "EOF")), RETRY),
        (httpx.UnsupportedProtocol("ftp"), CONFIG),
        (httpx.InvalidURL("bad"), CONFIG),
        (ValueError("a bug"), CONFIG),
    ],
)
def test_classify_exception(exc: BaseException, expected: tuple[Action, FailureType]) -> None:
    assert classify_exception(exc) == expected


def test_build_error_picks_the_class_and_keeps_context() -> None:
    err = build_error(FailureType.RECORD, "bad sku", status=422, code="X", url="https://h/x")
    assert type(err) is RecordError
    assert (err.status, err.code, err.url) == (422, "X", "https://h/x")
    assert type(build_error(FailureType.AUTH, "no")) is AuthError


def test_every_rule_is_documented() -> None:
    assert all(rule.description for rule in DEFAULT_ERROR_TABLE)
