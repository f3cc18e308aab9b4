"""Rate limits: wait as the server says without spending attempts, within a budget; pacing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from http_fakes import Script, resp

from connectors.http import (
    DEFAULT_ERROR_TABLE,
    QuotaExhaustedError,
    RateLimitedError,
    RateLimitHeaders,
    RateLimitPolicy,
    RetryPolicy,
)
from connectors.salesforce.limits import ERROR_ROWS as SF_ROWS
from connectors.salesforce.limits import SforceLimitInfo

SF_TABLE = (*SF_ROWS, *DEFAULT_ERROR_TABLE)
SF_LIMIT = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]


def test_429_retry_after_waits_without_spending_an_attempt(make_client, fake_time) -> None:
    script = Script(resp(429, headers={"Retry-After": "7"}), resp(200))
    client = make_client(script, retry=RetryPolicy(max_attempts=1))

    assert client.request("GET", "/x").status_code == 200
    assert fake_time.sleeps == [7.0]
    assert client.usage.rate_limited == 1
    assert client.usage.retries == 0


def test_429_wait_on_post_is_allowed(make_client, fake_time) -> None:
    script = Script(resp(429, headers={"Retry-After": "2"}), resp(201))
    client = make_client(script)
    assert client.request("POST", "/orders", json={}).status_code == 201
    assert fake_time.sleeps == [2.0]


def test_429_retry_after_http_date(make_client, fake_time) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    client = make_client(Script(resp(429, headers={"Retry-After": when}), resp(200)))

    assert client.request("GET", "/x").status_code == 200
    assert len(fake_time.sleeps) == 1
    assert 28.0 <= fake_time.sleeps[0] <= 30.0  # HTTP-dates have 1 s resolution


def test_429_rate_limit_reset_ms(make_client, fake_time) -> None:
    headers = {"X-Rate-Limit-Time-Reset-Ms": "2500", "X-Rate-Limit-Requests-Left": "0"}
    client = make_client(Script(resp(429, headers=headers), resp(200)))

    assert client.request("GET", "/x").status_code == 200
    assert fake_time.sleeps == [2.5]


def test_429_without_header_backs_off_exponentially(make_client, fake_time) -> None:
    script = Script(resp(429), resp(429), resp(429), resp(200))
    client = make_client(script, retry=RetryPolicy(max_attempts=1))

    assert client.request("GET", "/x").status_code == 200
    assert fake_time.sleeps == [0.5, 1.0, 2.0]
    assert client.usage.rate_limited == 3


def test_429_forever_raises_within_the_wait_budget(make_client, fake_time) -> None:
    script = Script(resp(429, headers={"Retry-After": "10"}))
    client = make_client(script, rate_limit=RateLimitPolicy(wait_budget=35.0))

    with pytest.raises(RateLimitedError) as info:
        client.request("GET", "/x")

    assert fake_time.sleeps == [10.0, 10.0, 10.0]
    assert fake_time.slept <= 35.0
    assert script.count == 4
    assert info.value.retry_after == 10.0
    assert info.value.status == 429


def test_header_less_429_forever_stops_at_the_budget(make_client, fake_time) -> None:
    client = make_client(Script(resp(429)), rate_limit=RateLimitPolicy(wait_budget=60.0))
    with pytest.raises(RateLimitedError):
        client.request("GET", "/x")
    assert fake_time.slept <= 60.0
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]  # + 30 would pass 60


def test_wait_longer_than_max_single_wait_is_not_waited(make_client, fake_time) -> None:
    client = make_client(
        Script(resp(429, headers={"Retry-After": "3600"})),
        rate_limit=RateLimitPolicy(max_single_wait=120.0),
    )
    with pytest.raises(RateLimitedError) as info:
        client.request("GET", "/x")
    assert fake_time.sleeps == []
    assert info.value.retry_after == 3600.0


def test_salesforce_request_limit_exceeded_waits(make_client, fake_time) -> None:
    limited = resp(403, json=SF_LIMIT, headers={"Sforce-Limit-Info": "api-usage=14000/15000"})
    script = Script(limited, resp(200, json={"ok": 1}))
    client = make_client(script, quota_reader=SforceLimitInfo(), error_table=SF_TABLE)

    assert client.request("GET", "/sobjects/Account/001").status_code == 200
    assert fake_time.sleeps == [0.5]
    assert client.usage.rate_limited == 1


def test_exhausted_daily_quota_raises_at_once(make_client, fake_time) -> None:
    used_up = resp(403, json=SF_LIMIT, headers={"Sforce-Limit-Info": "api-usage=15000/15000"})
    script = Script(used_up, resp(200))
    client = make_client(script, quota_reader=SforceLimitInfo(), error_table=SF_TABLE)

    with pytest.raises(QuotaExhaustedError) as info:
        client.request("GET", "/sobjects/Account/001")

    assert script.count == 1
    assert fake_time.sleeps == []
    assert info.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert client.usage.failures["rate_limited"] == 1


def _bc(left: int, reset_ms: int, quota: int = 150) -> dict[str, str]:
    return {
        "X-Rate-Limit-Requests-Left": str(left),
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
        "X-Rate-Limit-Time-Window-Ms": "30000",
    }


def test_pacing_slows_down_when_few_requests_left_and_waits_for_reset_at_zero(
    make_client, fake_time
) -> None:
    script = Script(
        resp(200, headers=_bc(100, 3000)),  # plenty left: no pacing
        resp(200, headers=_bc(5, 3000)),  # 5/150 < 10%: spread 5 requests over 3 s
        resp(200, headers=_bc(0, 2000)),  # nothing left: wait for the reset
        resp(200, headers=_bc(149, 30000)),
    )
    client = make_client(script, quota_reader=RateLimitHeaders())

    client.request("GET", "/a")
    client.request("GET", "/b")
    assert fake_time.sleeps == []
    client.request("GET", "/c")
    assert fake_time.sleeps == [pytest.approx(0.6)]
    client.request("GET", "/d")
    assert fake_time.sleeps == [pytest.approx(0.6), pytest.approx(2.0)]
    assert script.count == 4


def test_pacing_ignores_a_snapshot_whose_window_has_reset(make_client, fake_time) -> None:
    client = make_client(Script(resp(200, headers=_bc(0, 1000))), quota_reader=RateLimitHeaders())
    client.request("GET", "/a")
    fake_time.now += 5.0  # the window refreshed meanwhile
    client.request("GET", "/b")
    assert fake_time.sleeps == []


def test_lowercase_quota_headers_are_read(make_client, fake_time) -> None:
    headers = {k.lower(): v for k, v in _bc(0, 1500).items()}
    client = make_client(Script(resp(200, headers=headers)), quota_reader=RateLimitHeaders())
    client.request("GET", "/a")
    client.request("GET", "/b")
    assert fake_time.sleeps == [1.5]


def test_max_per_second_spaces_request_starts(make_client, fake_time) -> None:
    client = make_client(Script(resp(200)), rate_limit=RateLimitPolicy(max_per_second=2.0))
    for _ in range(3):
        client.request("GET", "/x")
    assert fake_time.sleeps == [0.5, 0.5]

    fake_time.now += 10.0  # idle for a while: no wait for the next one
    client.request("GET", "/x")
    assert fake_time.sleeps == [0.5, 0.5]


def test_stop_below_share_raises_quota_exhausted_before_sending(make_client) -> None:
    script = Script(resp(200, headers={"Sforce-Limit-Info": "api-usage=12500/15000"}))
    client = make_client(
        script,
        quota_reader=SforceLimitInfo(),
        error_table=SF_TABLE,
        rate_limit=RateLimitPolicy(stop_below_share=0.2),
    )
    client.request("GET", "/a")  # 2500/15000 left = 16.7% < 20%: the next one must not go out

    with pytest.raises(QuotaExhaustedError, match="quota floor"):
        client.request("GET", "/b")
    assert script.count == 1


def test_max_calls_raises_quota_exhausted(make_client) -> None:
    script = Script(resp(503), resp(200))
    client = make_client(script, rate_limit=RateLimitPolicy(max_calls=3))

    client.request("GET", "/a")  # 2 calls (one retry)
    client.request("GET", "/b")  # the 3rd call
    with pytest.raises(QuotaExhaustedError, match="3 API calls") as info:
        client.request("GET", "/c")
    assert script.count == 3
    assert info.value.connection == "test"
    assert info.value.url == "https://api.example.test/c"
