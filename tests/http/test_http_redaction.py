"""Redaction for logs and the dead-letter table: positives AND negatives."""

from __future__ import annotations

import copy

import httpx
import pytest

from connectors.http import REDACTED, redact_headers, redact_payload, redact_text, redact_url


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mail john.doe@example.com today", "john.doe"),
        ("call +1 (555) 123-4567 now", "123-4567"),
        ("+49 151 12345678", "12345678"),
        ("+4915112345678", "4915112345678"),
        ("tel 555-123-4567", "123-4567"),
        ("tel 555.123.4567", "123.4567"),
        ("(555) 123 4567", "123 4567"),
        ("06 12 34 56 78", "34 56 78"),
        ("Tel. 030 12345678", "12345678"),
        ("card 4111 1111 1111 1111", "1111 1111"),
        ("card 4111-1111-1111-1111.", "1111-1111"),
        ("card 4111111111111111", "4111111111111111"),
        ("amex 378282246310005", "378282246310005"),
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.sig_n-ature", "eyJhbGci"),
        ("sid=00D5g000004XyzA!AQ4AQFJ3mRKLxxxxxxx.yyyy", "AQ4AQFJ3"),
    ],
)
def test_redact_text_positives(text: str, secret: str) -> None:
    redacted = redact_text(text)
    assert secret not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text",
    [
        "created 2024-01-15",
        "modified 2024-01-15T10:30:00Z and 2024-01-15 10:30:00.123456+00:00",
        "15.01.2024 and 01/15/2024 and 01-15-2024",
        "at 10:30:00",
        "total 1234567.89, 225.0000, $1,234,567.89, 1.234.567,89 EUR, 1 234 567,89",
        "order 100234567",
        "order #4500012345 shipped",
        "account 0015g00000ABCdeAAB and 001000000000001AAA",
        "epoch ms 1700000000000",
        "not a card 4111111111111112",
        "host 192.168.100.200",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "sku ABC-123-4567",
        "pages 100-2000",
        "version 1.2.3",
        "code 0x80044331",
        "Basic information about the order",
    ],
)
def test_redact_text_negatives(text: str) -> None:
    assert redact_text(text) == text


def test_email_is_masked_keeping_the_domain() -> None:
    assert redact_text("to jane@example.co.uk") == "to j***@example.co.uk"


def test_redact_headers() -> None:
    headers = httpx.Headers(
        {
            "Authorization": "Bearer t",
            "proxy-authorization": "p",
            "Cookie": "c",
            "Set-Cookie": "s",
            "X-Auth-Token": "bc",
            "X-Auth-Client": "cid",
            "Token": "s4s",
            "PrivateKey": "pk",
            "SecureURL": "https://store.example.test",
            "X-Api-Key": "k",
            "client-secret": "s",
            "X-Password": "p",
            "X-Hub-Signature": "sig",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
    )
    redacted = redact_headers(headers)
    kept = {"secureurl", "content-type", "accept"}
    for name, value in redacted.items():
        assert (value == REDACTED) is (name.lower() not in kept), name
    assert redacted["secureurl"] == "https://store.example.test"


def test_redact_headers_accepts_pairs() -> None:
    assert redact_headers([("authorization", "x"), ("Accept", "y")]) == {
        "authorization": REDACTED,
        "Accept": "y",
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:pw@h.example/x", "https://u:***@h.example/x"),
        (
            "https://h.example/x?access_token=abc&page=2",
            "https://h.example/x?access_token=***&page=2",
        ),
        ("https://h.example/cb?code=xyz&state=1", "https://h.example/cb?code=***&state=1"),
        (
            "https://h.example/x?api_key=1&sig=2&signature=3&refresh_token=4&client_secret=5",
            "https://h.example/x?api_key=***&sig=***&signature=***&refresh_token=***"
            "&client_secret=***",
        ),
        (
            "https://h.example/v2/orders?email=john%40example.com",
            "https://h.example/v2/orders?email=j***@example.com",
        ),
        (
            "https://h.example/customers/john@example.com",
            "https://h.example/customers/j***@example.com",
        ),
        (
            "https://h.example/query?q=SELECT+Id+FROM+Account",
            "https://h.example/query?q=SELECT+Id+FROM+Account",
        ),
        ("https://h.example/x?a=1#frag", "https://h.example/x?a=1"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_payload_masks_and_never_mutates() -> None:
    payload = {
        "BillingEmail": "john.doe@example.com",
        "email_opt_in": True,
        "Phone": "+1 555 123 4567",
        "mobilePhone": 15551234567,
        "PaymentList": [
            {
                "CardNumber": "4111111111111111",
                "CardVerification": "123",
                "CardExpirationMonth": 12,
                "cvv2": "999",
                "card_number": "x",
            }
        ],
        "password": "hunter2",
        "client_secret": {"nested": "also hidden"},
        "PrivateKey": "pk",
        "Token": "tk",
        "Authorization": "Bearer x",
        "assertion": "jwt",
        "Key": "Error",
        "Message": "contact jane@example.com or +44 20 7946 0958",
        "OrderID": 100234567,
        "OrderDate": "2024-01-15",
        "Total": "225.0000",
        "SalesforceId": "0015g00000ABCdeAAB",
        "Notes": None,
        "errors": {"email": "The email is already in use"},
    }
    original = copy.deepcopy(payload)

    out = redact_payload(payload)

    assert payload == original
    assert out["BillingEmail"] == "j***@example.com"
    assert out["email_opt_in"] is True
    assert out["Phone"] == REDACTED
    assert out["mobilePhone"] == REDACTED
    assert all(v == REDACTED for v in out["PaymentList"][0].values())
    for key in ("password", "client_secret", "PrivateKey", "Token", "Authorization", "assertion"):
        assert out[key] == REDACTED, key
    assert out["Key"] == "Error"
    assert out["Message"] == "contact j***@example.com or ***"
    for key in ("OrderID", "OrderDate", "Total", "SalesforceId", "Notes"):
        assert out[key] == payload[key], key
    assert out["errors"] == {"email": "The email is already in use"}


def test_redact_payload_malformed_email_is_hidden() -> None:
    assert redact_payload({"Email": "john.doe"}) == {"Email": REDACTED}
    assert redact_payload([{"email": ""}]) == [{"email": ""}]
