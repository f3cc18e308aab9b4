"""`$batch` building and parsing: the documented multipart body byte for byte, changesets with
Content-ID and `$n` references, per-part results mapped back to the records, packing to the
platform maximum, a whole batch retried after a lost answer, 413 halving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.dynamics365 import BatchRequest, Dynamics365Client
from connectors.dynamics365.auth import forget_apps
from connectors.dynamics365.batch import encode_batch, pack, plan
from connectors.dynamics365.multipart import parse_batch, results
from connectors.http import ApiUsage
from tests.connectors.contract import FakeSleep
from tests.connectors.test_dynamics365_client import FakeDataverse, settings

WIRE = Path("/work/shared/api-specs/dynamics365/wire-examples.json")
API_PATH = "/api/data/v9.2/"
G = "00000000-0000-0000-0000-0000000000{:02x}"


@pytest.fixture(autouse=True)
def _fresh_apps() -> Iterator[None]:
    forget_apps()
    yield
    forget_apps()


def fixed_boundaries(**names: str) -> Any:
    return lambda kind: names[kind]


def test_the_documented_changeset_body_byte_for_byte() -> None:
    golden = json.loads(WIRE.read_text())["batch"]["body"]
    requests = [
        BatchRequest(
            "POST",
            "salesorders",
            {
                "name": "SO-1",
                "customerid_account@odata.bind": f"/accounts({G.format(1)})",
                "pricelevelid@odata.bind": f"/pricelevels({G.format(0xA1)})",
            },
            content_id="1",
        ),
        BatchRequest(
            "POST",
            "salesorderdetails",
            {
                "salesorderid@odata.bind": "$1",
                "isproductoverridden": True,
                "productdescription": "X",
                "quantity": Decimal("1"),
                "priceperunit": 5,
            },
        ),
    ]
    units = plan(requests)
    assert [(u.indexes, u.changeset) for u in units] == [([0, 1], True)]
    body, content_type = encode_batch(
        requests,
        units,
        API_PATH,
        fixed_boundaries(batch="batch_AAA123", changeset="changeset_BBB456"),
    )
    assert body == golden
    assert content_type == 'multipart/mixed; boundary="batch_AAA123"'


def test_independent_parts_stay_out_of_changesets_and_gets_never_go_in() -> None:
    requests = [
        BatchRequest("PATCH", "accounts(storebridge_id='a')", {"name": "A"}, ref="a"),
        BatchRequest("PATCH", "salesorders(storebridge_id='o')", {"name": "O"}, atomic="o"),
        BatchRequest("GET", "accounts?$select=name", ref="g"),
        BatchRequest(
            "PATCH", "salesorderdetails(storebridge_id='o-1')", {"quantity": 1}, atomic="o"
        ),
    ]
    units = plan(requests)
    assert [(u.indexes, u.changeset) for u in units] == [([0], False), ([1, 3], True), ([2], False)]
    assert [(u.indexes, u.changeset) for u in plan(requests, changesets=False)] == [
        ([0], False),
        ([1], False),
        ([2], False),
        ([3], False),
    ]
    with pytest.raises(ValueError, match="GET"):
        plan([BatchRequest("GET", "a", content_id="1"), BatchRequest("PATCH", "$1", {})])
    with pytest.raises(ValueError, match="declares"):
        plan([BatchRequest("PATCH", "x", {"a@odata.bind": "$7"})])


def test_packing_keeps_changesets_whole_within_the_maximum() -> None:
    requests = [BatchRequest("PATCH", f"a{n}", {}, atomic=str(n // 3)) for n in range(30)]
    batches = list(pack(plan(requests), 10))
    assert [sum(len(u.indexes) for u in b) for b in batches] == [9, 9, 9, 3]
    with pytest.raises(ValueError, match="exceeds"):
        list(pack(plan(requests), 2))


ANSWER = (
    "--batchresponse_1\r\n"
    "Content-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n"
    "--changesetresponse_2\r\n"
    "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n"
    "HTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\n"
    f"OData-EntityId: https://org.test/api/data/v9.2/salesorderdetails({G.format(0xD2)})\r\n\r\n\r\n"
    "--changesetresponse_2\r\n"
    "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n"
    "HTTP/1.1 201 Created\r\nContent-Type: application/json; odata.metadata=minimal\r\n"
    f"OData-EntityId: https://org.test/api/data/v9.2/salesorders({G.format(0xD1)})\r\n\r\n"
    '{"salesorderid":"' + G.format(0xD1) + '","totalamount":10.50}\r\n'
    "--changesetresponse_2--\r\n"
    "--batchresponse_1\r\n"
    "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n"
    '{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the '
    "'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'.\"}}\r\n"
    "--batchresponse_1\r\n"
    "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    "HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/json\r\n\r\n"
    '{"error":{"code":"","message":"A record with matching key values already exists."}}\r\n'
    "--batchresponse_1--\r\n"
)


def test_answers_map_back_by_content_id_with_entity_ids_bodies_and_errors() -> None:
    requests = [
        BatchRequest(
            "PATCH", "salesorders(storebridge_id='o')", {"name": "O"}, content_id="1", ref="o"
        ),
        BatchRequest(
            "PATCH", "salesorderdetails(storebridge_id='l')", {"x@odata.bind": "$1"}, ref="l"
        ),
        BatchRequest("PATCH", "accounts(storebridge_id='a')", {"name": "A" * 200}, ref="a"),
        BatchRequest(
            "PATCH", "contacts(storebridge_id='c')", {}, ref="c", headers={"If-None-Match": "*"}
        ),
        BatchRequest("PATCH", "contacts(storebridge_id='d')", {}, ref="d"),
    ]
    units = plan(requests)
    parts = parse_batch(ANSWER.encode(), "multipart/mixed; boundary=batchresponse_1")
    mapped = results(requests, units, {0: "1", 1: "2"}, parts)
    order, line, account, contact, missing = (mapped[i] for i in range(5))
    assert (order.ref, order.status, order.entity_id) == ("o", 201, G.format(0xD1))
    assert order.body["totalamount"] == Decimal("10.50")
    assert (line.ref, line.status, line.entity_id, line.ok) == ("l", 204, G.format(0xD2), True)
    assert (account.status, account.error_code, account.field, account.ok) == (
        400,
        "0x80044331",
        "name",
        False,
    )
    assert (contact.status, contact.message) == (
        412,
        "A record with matching key values already exists.",
    )
    assert (missing.status, missing.error_code) == (424, "NotProcessed")


def test_a_failed_changeset_fails_every_member() -> None:
    requests = [
        BatchRequest("PATCH", "salesorders(storebridge_id='o')", {}, content_id="1", ref="o"),
        BatchRequest(
            "PATCH", "salesorderdetails(storebridge_id='l')", {"s@odata.bind": "$1"}, ref="l"
        ),
    ]
    answer = (
        "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n"
        '{"error":{"code":"0x80040217","message":"product With Id = x Does Not Exist"}}'
        "\r\n--b--\r\n"
    )
    mapped = results(
        requests,
        plan(requests),
        {0: "1", 1: "2"},
        parse_batch(answer.encode(), "multipart/mixed; boundary=b"),
    )
    assert [r.status for r in mapped.values()] == [404, 404]
    assert mapped[0].message is not None
    assert mapped[0].message.startswith("rolled back")
    assert mapped[1].message == "product With Id = x Does Not Exist"


class BatchServer:
    """A `$batch` endpoint answering 204 per part; `faults` are answered first, after applying."""

    def __init__(self, faults: list[int] | None = None, too_large_over: int | None = None) -> None:
        self.faults = faults or []
        self.too_large_over = too_large_over
        self.applied: dict[str, int] = {}
        self.batches: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Prefer"] == "odata.continue-on-error"
        lines = [ln for ln in request.content.decode().split("\r\n") if " HTTP/1.1" in ln]
        if self.too_large_over and len(lines) > self.too_large_over:
            return httpx.Response(413, json={"error": {"code": "", "message": "too large"}})
        self.batches.append(len(lines))
        for line in lines:
            url = line.split(" ")[1]
            self.applied[url] = self.applied.get(url, 0) + 1
        if self.faults:
            return httpx.Response(self.faults.pop(0), json={"error": {"code": "", "message": "x"}})
        parts = "".join(
            f"--r\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            f"HTTP/1.1 204 No Content\r\n"
            f"OData-EntityId: https://org.test{line.split(' ')[1]}\r\n\r\n\r\n"
            for line in lines
        )
        return httpx.Response(
            200,
            headers={"Content-Type": "multipart/mixed; boundary=r"},
            content=parts + "--r--\r\n",
        )


def batch_client(server: BatchServer, **overrides: Any) -> tuple[Dynamics365Client, FakeDataverse]:
    fake = FakeDataverse()
    fake.routes["$batch"] = server
    client = Dynamics365Client(
        settings(**overrides),
        transport=httpx.MockTransport(fake),
        sleep=FakeSleep(),
        usage=ApiUsage("d"),
    )
    return client, fake


def upserts(n: int) -> list[BatchRequest]:
    return [
        BatchRequest("PATCH", f"accounts({G.format(k)})", {"name": f"n{k}"}, ref=k)
        for k in range(n)
    ]


def test_batches_are_sized_to_the_setting_and_results_come_back_in_order() -> None:
    server = BatchServer()
    client, _ = batch_client(server, batch_size=1000)
    out = client.batch(upserts(2100))
    assert server.batches == [1000, 1000, 100]
    assert [r.ref for r in out] == list(range(2100))
    assert all(r.status == 204 for r in out)
    assert out[5].entity_id == G.format(5)


def test_a_lost_answer_is_retried_whole_and_lands_on_the_same_rows() -> None:
    server = BatchServer(faults=[503])  # applied, then the answer was lost
    client, _ = batch_client(server)
    out = client.batch(upserts(3))
    assert all(r.ok for r in out)
    assert len(server.batches) == 2
    assert set(server.applied) == {f"/api/data/v9.2/accounts({G.format(k)})" for k in range(3)}
    assert client.http.usage.retries == 1


def test_a_batch_of_creates_is_not_resent_after_a_lost_answer() -> None:
    server = BatchServer(faults=[503])
    client, _ = batch_client(server)
    with pytest.raises(Exception, match="not idempotent"):
        client.batch([BatchRequest("POST", "accounts", {"name": "n"})])
    assert len(server.batches) == 1


def test_413_halves_the_batch() -> None:
    server = BatchServer(too_large_over=4)
    client, _ = batch_client(server)
    out = client.batch(upserts(10))
    assert all(r.ok for r in out)
    assert sum(server.batches) == 10
    assert max(server.batches) <= 4
