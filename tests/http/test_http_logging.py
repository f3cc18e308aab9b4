"""Logs: every attempt at DEBUG, every retry/wait at WARNING, never a secret or personal datum."""

from __future__ import annotations

import logging

import httpx
import pytest
from http_fakes import Script, resp

from connectors.http import LOGGER_NAME, TransientError

SECRETS = ("s3cr3t-bearer", "tok-123456", "john.doe@example.com", "hunter2")


def test_logs_are_redacted(make_client, caplog: pytest.LogCaptureFixture) -> None:
    script = Script(resp(503), resp(429, headers={"Retry-After": "1"}), resp(200))
    client = make_client(
        script, name="shift4shop", headers={"Authorization": "Bearer s3cr3t-bearer"}
    )
    caplog.set_level(logging.DEBUG)

    client.request(
        "GET", "/customers/john.doe@example.com", params={"access_token": "tok-123456", "page": 2}
    )
    client.request("GET", "https://user:hunter2@api.example.test/basic")

    assert script.requests[0].headers["authorization"] == "Bearer s3cr3t-bearer"
    text = caplog.text
    for secret in SECRETS:
        assert secret not in text, secret
    assert "access_token=***" in text
    assert "https://user:***@api.example.test/basic" in text
    ours = [r for r in caplog.records if r.name.startswith(LOGGER_NAME)]
    assert {r.name for r in ours} == {f"{LOGGER_NAME}.shift4shop"}
    assert [r.levelno for r in ours].count(logging.WARNING) == 2  # one retry, one wait
    assert [r.getMessage() for r in ours if r.levelno == logging.DEBUG][:1] == [
        "GET https://api.example.test/customers/j***@example.com?access_token=***&page=2"
        " -> 503 in 0 ms"
    ]


def test_httpx_own_request_log_is_redacted(make_client, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(Script(resp(200)))
    caplog.set_level(logging.INFO, logger="httpx")
    client.request("GET", "/x", params={"token": "tok-123456"})
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines, "httpx logs each request at INFO"
    assert all("tok-123456" not in line for line in httpx_lines)


def test_errors_carry_no_secret(make_client) -> None:
    client = make_client(Script(resp(500, json=[{"message": "boom for john.doe@example.com"}])))
    with pytest.raises(TransientError) as info:
        client.request("GET", "/x", params={"api_key": "tok-123456"})
    rendered = str(info.value) + repr(info.value.body) + str(info.value.url)
    for secret in SECRETS:
        assert secret not in rendered


def test_bodies_are_never_logged(make_client, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(Script(resp(503, text="BODY-MARKER"), resp(200, text="BODY-MARKER")))
    caplog.set_level(logging.DEBUG)
    client.request("POST", "/x", content=b"REQUEST-MARKER", idempotent=True)
    assert "BODY-MARKER" not in caplog.text
    assert "REQUEST-MARKER" not in caplog.text


def test_transport_exception_logged_by_type(make_client, caplog) -> None:
    client = make_client(Script(httpx.ReadError("reset"), resp(200)))
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    client.request("GET", "/x")
    assert "GET https://api.example.test/x -> ReadError" in caplog.text
    assert "retry 1/4" in caplog.text
