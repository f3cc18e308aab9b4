"""Quota headers, Retry-After parsing and the pacer on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from http_fakes import FakeTime

from connectors.http import (
    ApiUsage,
    Pacer,
    QuotaExhaustedError,
    QuotaSnapshot,
    RateLimitHeaders,
    RateLimitPolicy,
    retry_after_seconds,
)
from connectors.salesforce.limits import SforceLimitInfo

NOW = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)


def test_rate_limit_headers_case_insensitive() -> None:
    headers = httpx.Headers(
        {
            "x-rate-limit-requests-left": "12",
            "X-RATE-LIMIT-REQUESTS-QUOTA": "150",
            "x-rate-limit-time-reset-ms": "2500",
        }
    )
    assert RateLimitHeaders().read(headers) == QuotaSnapshot(12, 150, 2.5)


def test_rate_limit_headers_absent_or_garbage() -> None:
    assert RateLimitHeaders().read(httpx.Headers({})) is None
    garbage = httpx.Headers(
        {"X-Rate-Limit-Requests-Left": "lots", "X-Rate-Limit-Requests-Quota": "150"}
    )
    assert RateLimitHeaders().read(garbage) == QuotaSnapshot(None, 150, None)


def test_rate_limit_header_names_are_configurable() -> None:
    reader = RateLimitHeaders(remaining="X-Left", limit="X-Quota", reset_ms="X-Reset")
    snap = reader.read(httpx.Headers({"X-Left": "1", "X-Quota": "10", "X-Reset": "1000"}))
    assert snap == QuotaSnapshot(1, 10, 1.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("api-usage=25/15000", QuotaSnapshot(14975, 15000, None)),
        (
            "api-usage=25/15000; per-app-api-usage=17/250(appName=sample)",
            QuotaSnapshot(14975, 15000, None),
        ),
        (
            "per-app-api-usage=17/250(appName=x); api-usage=15001/15000",
            QuotaSnapshot(0, 15000, None),
        ),
        ("garbage", None),
        ("", None),
    ],
)
def test_sforce_limit_info(value: str, expected: QuotaSnapshot | None) -> None:
    assert SforceLimitInfo().read(httpx.Headers({"Sforce-Limit-Info": value})) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "Wed, 15 Jan 2025 12:00:30 GMT"}, 30.0),
        ({"Retry-After": "Wed, 15 Jan 2025 11:59:00 GMT"}, 0.0),
        ({"X-Rate-Limit-Time-Reset-Ms": "4500"}, 4.5),
        ({"X-Retry-After": "9"}, 9.0),
        ({"Retry-After": "soon", "X-Rate-Limit-Time-Reset-Ms": "1000"}, 1.0),
        ({"Retry-After": "3", "X-Rate-Limit-Time-Reset-Ms": "9000"}, 3.0),
        ({"Retry-After": "soon"}, None),
        ({"X-Rate-Limit-Time-Reset-Ms": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(httpx.Headers(headers), now=NOW) == expected


def test_pacer_spreads_then_waits_for_reset() -> None:
    time = FakeTime()
    pacer = Pacer(RateLimitPolicy(), clock=time.clock)
    assert pacer.before_request() == 0.0
    pacer.after_response(QuotaSnapshot(remaining=4, limit=100, reset_after=8.0))
    assert pacer.before_request() == pytest.approx(2.0)  # 8 s / 4 left
    assert pacer.before_request() == pytest.approx(8.0 / 3)  # the local estimate went down
    pacer.after_response(QuotaSnapshot(remaining=1, limit=100, reset_after=5.0))
    assert pacer.before_request() == pytest.approx(5.0)  # at min_remaining: wait for the reset


def test_pacer_caps_a_single_wait() -> None:
    time = FakeTime()
    pacer = Pacer(RateLimitPolicy(max_single_wait=10.0), clock=time.clock)
    pacer.after_response(QuotaSnapshot(remaining=0, limit=100, reset_after=600.0))
    assert pacer.before_request() == 10.0


def test_pacer_max_calls_uses_the_usage_counter() -> None:
    usage = ApiUsage("sf")
    pacer = Pacer(RateLimitPolicy(max_calls=2), usage)
    usage.record_call(200)
    pacer.before_request()
    usage.record_call(200)
    with pytest.raises(QuotaExhaustedError):
        pacer.before_request()


def test_pacer_stop_below_share_only_when_set() -> None:
    pacer = Pacer(RateLimitPolicy())
    pacer.after_response(QuotaSnapshot(remaining=1, limit=15000, reset_after=None))
    assert pacer.before_request() == 0.0  # no reset time known and no floor configured

    floor = Pacer(RateLimitPolicy(stop_below_share=0.1))
    floor.after_response(QuotaSnapshot(remaining=1600, limit=15000, reset_after=None))
    assert floor.before_request() == 0.0  # 10.7% left
    floor.after_response(QuotaSnapshot(remaining=1400, limit=15000, reset_after=None))
    with pytest.raises(QuotaExhaustedError, match="quota floor"):
        floor.before_request()


def test_pacer_waits_for_the_reset_at_min_remaining_even_without_slow_down() -> None:
    pacer = Pacer(RateLimitPolicy(min_remaining=5, slow_down_below=0.0), clock=FakeTime().clock)
    pacer.after_response(QuotaSnapshot(remaining=3, limit=100, reset_after=4.0))
    assert pacer.before_request() == pytest.approx(4.0)
    pacer.after_response(QuotaSnapshot(remaining=50, limit=100, reset_after=4.0))
    assert pacer.before_request() == 0.0
