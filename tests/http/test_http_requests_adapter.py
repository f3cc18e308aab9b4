"""The requests adapter: simple-salesforce-style sessions get our retries and errors."""

from __future__ import annotations

import json

import httpx
import pytest
import requests
from http_fakes import Script, resp

from connectors.http import RateLimitedError, TransientError, make_requests_session

SF = "https://acme.my.salesforce.com/services/data/v59.0"


def test_round_trip_get_and_patch(make_client) -> None:
    script = Script(
        resp(
            200,
            json={"Id": "0015g00000ABCdeAAB", "Name": "Acme"},
            headers={"Sforce-Limit-Info": "api-usage=3/15000"},
        ),
        resp(204),
    )
    client = make_client(script, base_url="", headers={"X-Client": "storebridge"})
    session = make_requests_session(client)
    session.headers["Authorization"] = "Bearer sess"

    got = session.get(f"{SF}/sobjects/Account/0015g00000ABCdeAAB", params={"fields": "Name"})
    patched = session.patch(f"{SF}/sobjects/Account/0015g00000ABCdeAAB", json={"Name": "Acme 2"})

    assert isinstance(got, requests.Response)
    assert got.status_code == 200
    assert got.reason == "OK"
    assert got.json() == {"Id": "0015g00000ABCdeAAB", "Name": "Acme"}
    assert got.headers["sforce-limit-info"] == "api-usage=3/15000"
    assert got.url == f"{SF}/sobjects/Account/0015g00000ABCdeAAB?fields=Name"
    assert got.request.method == "GET"
    assert got.elapsed.total_seconds() >= 0
    assert patched.status_code == 204
    sent_get, sent_patch = script.requests
    assert sent_get.headers["authorization"] == "Bearer sess"
    assert sent_get.headers["x-client"] == "storebridge"  # client defaults merged
    assert sent_patch.method == "PATCH"
    assert json.loads(sent_patch.content) == {"Name": "Acme 2"}
    assert sent_patch.headers["content-type"] == "application/json"
    assert client.usage.calls == 2


def test_retry_through_the_adapter(make_client, fake_time) -> None:
    script = Script(
        resp(503),
        httpx.ConnectError("refused"),
        resp(200, json={"totalSize": 0, "done": True, "records": []}),
    )
    client = make_client(script, base_url="")
    session = make_requests_session(client)

    response = session.get(f"{SF}/query", params={"q": "SELECT Id FROM Account"})

    assert response.json()["done"] is True
    assert script.count == 3
    assert fake_time.sleeps == [0.5, 1.0]
    assert client.usage.retries == 2


def test_final_error_responses_are_returned_for_the_sdk(make_client) -> None:
    body = [{"errorCode": "INVALID_FIELD", "message": "No such column 'Foo'"}]
    client = make_client(Script(resp(400, json=body)), base_url="")
    response = make_requests_session(client).get(f"{SF}/query", params={"q": "SELECT Foo"})
    assert response.status_code == 400
    assert response.json() == body


def test_connector_errors_propagate_unchanged(make_client) -> None:
    client = make_client(Script(resp(429, headers={"Retry-After": "600"})), base_url="")
    session = make_requests_session(client)
    with pytest.raises(RateLimitedError) as info:
        session.get(f"{SF}/limits")
    assert info.value.retry_after == 600.0

    failing = make_client(Script(resp(502)), base_url="")
    with pytest.raises(TransientError):
        make_requests_session(failing).post(f"{SF}/sobjects/Account", json={"Name": "x"})


def test_post_form_body_and_timeout(make_client) -> None:
    script = Script(resp(200, json={"access_token": "t"}))
    client = make_client(script, base_url="")
    session = make_requests_session(client)
    response = session.post(
        "https://login.example.test/token", data={"grant_type": "password"}, timeout=(3, 20)
    )
    assert response.json() == {"access_token": "t"}
    sent = script.requests[0]
    assert sent.content == b"grant_type=password"
    assert sent.extensions["timeout"] == {"connect": 3, "read": 20, "write": 20, "pool": 20}


def test_simple_salesforce_over_the_adapter(make_client, fake_time) -> None:
    simple_salesforce = pytest.importorskip("simple_salesforce")
    pages = {
        "/services/data/v59.0/query/": {
            "totalSize": 3,
            "done": False,
            "nextRecordsUrl": "/services/data/v59.0/query/01g-2",
            "records": [{"Id": "001A"}, {"Id": "001B"}],
        },
        "/services/data/v59.0/query/01g-2": {
            "totalSize": 3,
            "done": True,
            "records": [{"Id": "001C"}],
        },
    }
    flaky = {"count": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(204)
        flaky["count"] += 1
        if flaky["count"] == 1:
            return httpx.Response(503, json=[{"errorCode": "SERVER_UNAVAILABLE", "message": "x"}])
        return httpx.Response(
            200, json=pages[request.url.path], headers={"Sforce-Limit-Info": "api-usage=10/15000"}
        )

    client = make_client(handler, base_url="")
    sf = simple_salesforce.Salesforce(
        instance_url="https://acme.my.salesforce.com",
        session_id="sess",
        session=make_requests_session(client),
        version="59.0",
    )

    result = sf.query_all("SELECT Id FROM Account")
    status = sf.Account.update("001A", {"Name": "Acme"})

    assert [r["Id"] for r in result["records"]] == ["001A", "001B", "001C"]
    assert status == 204
    assert fake_time.sleeps == [0.5]  # the 503 was retried by our client, not by the SDK
    assert client.usage.calls == 4
