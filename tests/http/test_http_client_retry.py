"""Transient failures: retried with full-jitter backoff within max_attempts and max_elapsed."""

from __future__ import annotations

import ssl

import httpx
import pytest
from http_fakes import Script, resp

from connectors.http import (
    ConfigError,
    RetryPolicy,
    TransientError,
)


def test_5xx_retried_then_success(make_client, fake_time) -> None:
    script = Script(resp(503), resp(502), resp(200, json={"ok": True}))
    client = make_client(script)

    response = client.request("GET", "/orders")

    assert response.status_code == 200
    assert script.count == 3
    assert fake_time.sleeps == [0.5, 1.0]  # caps of attempts 0 and 1 (rand = upper bound)
    assert client.usage.retries == 2


def test_5xx_forever_gives_up_after_exactly_max_attempts(make_client, fake_time) -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, max_elapsed=120.0)
    script = Script(resp(503, json={"error": {"code": "Busy", "message": "try later"}}))
    client = make_client(script, retry=policy)
    started = fake_time.now

    with pytest.raises(TransientError) as info:
        client.request("GET", "/orders")

    assert script.count == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0]
    assert fake_time.now - started <= policy.max_elapsed
    err = info.value
    assert (err.status, err.code, err.method, err.connection) == (503, "Busy", "GET", "test")
    assert err.body == {"error": {"code": "Busy", "message": "try later"}}
    assert "gave up after 4 attempts" in str(err)


def test_never_sleeps_past_max_elapsed(make_client, fake_time) -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=30.0, max_elapsed=5.0)
    script = Script(resp(500))
    client = make_client(script, retry=policy)

    with pytest.raises(TransientError):
        client.request("GET", "/orders")

    # 1 + 2 = 3 s slept; the next wait (4 s) would end past 5 s, so it gives up instead
    assert fake_time.sleeps == [1.0, 2.0]
    assert fake_time.slept <= policy.max_elapsed
    assert script.count == 3


def test_time_spent_in_attempts_counts_against_max_elapsed(make_client, fake_time) -> None:
    def slow_503(request: httpx.Request) -> httpx.Response:
        fake_time.now += 4.0  # each attempt takes 4 s
        return httpx.Response(503)

    client = make_client(Script(slow_503), retry=RetryPolicy(max_attempts=10, max_elapsed=10.0))

    with pytest.raises(TransientError):
        client.request("GET", "/orders")

    assert fake_time.sleeps == [0.5, 1.0]  # 4 + .5 + 4 + 1 + 4 = 13.5: a 2 s wait would pass 10
    assert fake_time.now - 1000.0 <= 10.0 + 4.0  # only the last attempt itself may overrun


def test_full_jitter_waits_stay_within_cap_and_grow(make_client, fake_time) -> None:
    seen: list[tuple[float, float]] = []

    def rand(low: float, high: float) -> float:
        seen.append((low, high))
        return high * 0.75

    policy = RetryPolicy(max_attempts=9, base_delay=0.5, max_delay=10.0, max_elapsed=1000.0)
    client = make_client(Script(resp(503)), retry=policy, rand=rand)

    with pytest.raises(TransientError):
        client.request("GET", "/x")

    caps = [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert seen == [(0.0, cap) for cap in caps]
    assert fake_time.sleeps == [cap * 0.75 for cap in caps]
    assert all(wait <= policy.max_delay for wait in fake_time.sleeps)
    assert fake_time.sleeps == sorted(fake_time.sleeps)


def test_backoff_clamps_a_misbehaving_rand() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    assert policy.backoff(0, lambda a, b: 0.0) == 0.0
    assert policy.backoff(2, lambda a, b: 99.0) == 4.0
    assert policy.backoff(500, lambda a, b: b) == 8.0  # no overflow for absurd attempts


def test_connect_error_retried_and_not_counted_as_a_call(make_client, fake_time) -> None:
    script = Script(httpx.ConnectError("connection refused"), resp(200))
    client = make_client(script)

    assert client.request("GET", "/x").status_code == 200
    assert script.count == 2
    assert client.usage.calls == 1  # the refused connection never reached the server
    assert client.usage.retries == 1


def test_connect_error_on_post_is_retried(make_client) -> None:
    script = Script(httpx.ConnectTimeout("connect timeout"), resp(201))
    client = make_client(script)

    assert client.request("POST", "/orders", json={"a": 1}).status_code == 201
    assert script.count == 2
    assert [r.content for r in script.requests] == [b'{"a":1}', b'{"a":1}']


def test_read_timeout_on_post_not_retried(make_client, fake_time) -> None:
    script = Script(httpx.ReadTimeout("read timeout"), resp(201))
    client = make_client(script)

    with pytest.raises(TransientError, match="non-idempotent POST"):
        client.request("POST", "/orders", json={"a": 1})

    assert script.count == 1
    assert fake_time.sleeps == []


def test_read_timeout_on_put_retried(make_client) -> None:
    script = Script(httpx.ReadTimeout("read timeout"), resp(200))
    client = make_client(script)

    assert client.request("PUT", "/orders/1", json={"a": 1}).status_code == 200
    assert script.count == 2


def test_5xx_on_post_not_retried_unless_marked_idempotent(make_client) -> None:
    script = Script(resp(503))
    client = make_client(script)
    with pytest.raises(TransientError, match="not idempotent"):
        client.request("POST", "/orders", json={})
    assert script.count == 1

    script2 = Script(resp(503), resp(200))
    client2 = make_client(script2)
    assert client2.request("POST", "/token", data={"g": "x"}, idempotent=True).status_code == 200
    assert script2.count == 2


def test_retry_after_on_5xx_is_honoured(make_client, fake_time) -> None:
    client = make_client(Script(resp(503, headers={"Retry-After": "4"}), resp(200)))
    assert client.request("GET", "/x").status_code == 200
    assert fake_time.sleeps == [4.0]


def _tls_error(message: str, *, chained: bool) -> httpx.ConnectError:
    error = httpx.ConnectError(message)
    if chained:
        error.__cause__ = ssl.SSLCertVerificationError(1, "certificate verify failed")
    return error


@pytest.mark.parametrize(
    ("message", "chained"),
    [
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", False),
        ("handshake failed", True),
    ],
)
def test_tls_verify_failure_is_config_error_at_once(make_client, fake_time, message, chained):
    script = Script(_tls_error(message, chained=chained))
    client = make_client(script, name="sage300")

    with pytest.raises(ConfigError) as info:
        client.request("GET", "/x")

    assert script.count == 1
    assert fake_time.sleeps == []
    assert "STOREBRIDGE_SAGE300_CA_BUNDLE" in str(info.value)


def test_unsupported_protocol_and_invalid_url_are_config_errors(make_client) -> None:
    script = Script(httpx.UnsupportedProtocol("unsupported protocol 'ftp://'"))
    client = make_client(script)
    with pytest.raises(ConfigError):
        client.request("GET", "ftp://files.example.test/x")
    assert script.count == 1

    with pytest.raises(ConfigError, match="invalid URL"):
        client.request("GET", "http://[::1")
