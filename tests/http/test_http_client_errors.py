"""Final failures: auth/config raised at once, 4xx dead-lettered with body and code; usage."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import certifi
import httpx
import pytest
from http_fakes import Script, resp

from connectors.http import (
    ApiUsage,
    AuthError,
    ConfigError,
    RecordError,
    ResilientClient,
    TransientError,
    all_usage,
    client_from_settings,
    reset_all_usage,
    usage_for,
)
from connectors.settings import ConnectionSettings


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (415, ConfigError), (405, ConfigError)],
)
def test_auth_and_config_statuses_fail_at_once(make_client, fake_time, status, error) -> None:
    script = Script(resp(status, json=[{"errorCode": "X", "message": "nope"}]))
    client = make_client(script)

    with pytest.raises(error) as info:
        client.request("GET", "/x")

    assert type(info.value) is error
    assert script.count == 1
    assert fake_time.sleeps == []
    assert info.value.status == status


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (
            400,
            [{"errorCode": "INVALID_FIELD", "message": "No such column 'Foo'"}],
            "INVALID_FIELD",
            "No such column 'Foo'",
        ),
        (
            404,
            {
                "error": {
                    "code": "RecordNotFound",
                    "message": {"lang": "en-US", "value": "Customer 1200 not found"},
                }
            },
            "RecordNotFound",
            "Customer 1200 not found",
        ),
        (
            422,
            {
                "status": 422,
                "title": "SKU already exists",
                "type": "https://x",
                "errors": {"sku": "duplicate"},
            },
            None,
            "SKU already exists",
        ),
    ],
)
def test_record_errors_carry_parsed_body_and_code(make_client, status, body, code, message):
    script = Script(resp(status, json=body))
    client = make_client(script)

    with pytest.raises(RecordError) as info:
        client.request("POST", "/orders", json={"x": 1})

    err = info.value
    assert (err.status, err.code, err.body, err.message) == (status, code, body, message)
    assert script.count == 1


def test_record_error_with_text_body(make_client) -> None:
    client = make_client(Script(resp(400, text="<html>Bad   Request</html>")))
    with pytest.raises(RecordError) as info:
        client.request("GET", "/x")
    assert info.value.body == "<html>Bad   Request</html>"
    assert info.value.message == "<html>Bad Request</html>"


def test_record_error_body_is_redacted(make_client) -> None:
    body = [
        {
            "errorCode": "DUPLICATE_VALUE",
            "message": "dup john.doe@example.com",
            "Email": "john.doe@example.com",
            "CardNumber": "4111111111111111",
        }
    ]
    client = make_client(Script(resp(400, json=body)))
    with pytest.raises(RecordError) as info:
        client.request("POST", "/x", json={})
    assert "john.doe" not in json.dumps(info.value.body) + str(info.value)
    assert info.value.body[0]["CardNumber"] == "***"
    assert info.value.code == "DUPLICATE_VALUE"


def test_expect_returns_the_expected_status(make_client) -> None:
    client = make_client(Script(resp(404, json=[{"Key": "Error", "Message": "No records"}])))
    response = client.request("GET", "/Orders", expect=(404,))
    assert response.status_code == 404
    assert client.usage.failures == {}


def test_raise_errors_false_returns_final_error_response(make_client) -> None:
    client = make_client(Script(resp(400, json=[{"errorCode": "MALFORMED_QUERY"}])))
    response = client.send(client.build_request("GET", "/query"), raise_errors=False)
    assert response.status_code == 400
    assert client.usage.failures["record"] == 1


def test_raise_errors_false_still_raises_after_exhausted_retries(make_client) -> None:
    client = make_client(Script(resp(503)))
    with pytest.raises(TransientError):
        client.send(client.build_request("GET", "/x"), raise_errors=False)


def test_get_json(make_client) -> None:
    client = make_client(Script(resp(200, json={"a": 1}), resp(204), resp(200, text="<html/>")))
    assert client.get_json("/a") == {"a": 1}
    assert client.get_json("/b") is None
    with pytest.raises(TransientError, match="expected JSON"):
        client.get_json("/c")


def test_set_header_applies_to_later_requests(make_client) -> None:
    script = Script(resp(200))
    client = make_client(script, headers={"Authorization": "Bearer old"})
    client.request("GET", "/a")
    client.set_header("Authorization", "Bearer new")
    client.request("GET", "/b")
    assert [r.headers["authorization"] for r in script.requests] == ["Bearer old", "Bearer new"]


def test_usage_counters_are_exact(make_client, fake_time) -> None:
    script = Script(
        resp(503),
        resp(429, headers={"Retry-After": "1"}),
        httpx.ConnectError("refused"),
        resp(200),
        resp(404, json=[{"status": 404, "message": "gone"}]),
    )
    client = make_client(script)

    client.request("GET", "/a")
    with pytest.raises(RecordError):
        client.request("GET", "/b")

    usage = client.usage
    assert (usage.calls, usage.requests, usage.retries, usage.rate_limited) == (4, 2, 2, 1)
    assert usage.waited_s == pytest.approx(0.5 + 1.0 + 1.0)
    assert usage.statuses == {503: 1, 429: 1, 200: 1, 404: 1}
    snap = usage.snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert snap["failures"] == {"record": 1}
    assert snap["statuses"] == {"200": 1, "404": 1, "429": 1, "503": 1}
    usage.reset()
    assert usage.snapshot()["calls"] == 0


def test_usage_registry_per_connection_name() -> None:
    reset_all_usage()
    a = usage_for("bigcommerce")
    assert usage_for("bigcommerce") is a
    a.record_call(200)
    assert all_usage()["bigcommerce"]["calls"] == 1
    reset_all_usage()
    assert all_usage()["bigcommerce"]["calls"] == 0


def test_client_defaults_to_registered_usage() -> None:
    client = ResilientClient("registry-test", transport=httpx.MockTransport(Script(resp(200))))
    assert client.usage is usage_for("registry-test")
    client.close()


def test_usage_counts_are_exact_under_threads(make_client) -> None:
    client = make_client(Script(resp(200)))

    def work() -> None:
        for _ in range(25):
            client.request("GET", "/x")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (client.usage.calls, client.usage.requests) == (100, 100)


def test_usage_thread_safety_of_counters() -> None:
    usage = ApiUsage("t")

    def work() -> None:
        for _ in range(1000):
            usage.record_call(200)
            usage.record_wait(0.001)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert usage.calls == 8000
    assert usage.statuses[200] == 8000


def test_client_from_settings_maps_every_field() -> None:
    ca = Path(certifi.where())  # any readable PEM bundle
    settings = ConnectionSettings(
        base_url="https://store.example.test/api/",
        ca_bundle=ca,
        timeout_s=12.0,
        max_attempts=3,
        max_retry_s=40.0,
        rate_limit_per_s=4.0,
        rate_limit_wait_budget_s=90.0,
        max_calls_per_run=1000,
    )
    client = client_from_settings(
        "bigcommerce",
        settings,
        transport=httpx.MockTransport(Script(resp(200))),
        usage=ApiUsage("bigcommerce"),
    )
    assert str(client.http.base_url) == "https://store.example.test/api/"
    assert client.http.timeout.read == 12.0
    assert (client.retry.max_attempts, client.retry.max_elapsed) == (3, 40.0)
    limits = client.rate_limit
    assert (limits.max_per_second, limits.wait_budget, limits.max_calls) == (4.0, 90.0, 1000)
    assert settings.verify == str(ca)
    client.close()


def test_unreadable_ca_bundle_is_a_config_error(tmp_path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="STOREBRIDGE_SAGE300_CA_BUNDLE"):
        ResilientClient("sage300", "https://sage.example.test", verify=str(bad))
