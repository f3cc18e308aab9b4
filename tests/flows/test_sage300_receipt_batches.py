"""Sage 300 receipts of a load batch as ONE receipt batch (`flows.systems.sage300.orders`).

Against a small fake of the Web API and of ARTCR (what `receipts_by_reference` reads): a batch
POST whose answer is lost is looked up by its entry references, and only the entries Sage does
not have are sent again, in a new batch, so no ARTCR entry is written twice; a refused batch is
sent again one entry per batch, so only the refused payment fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from connectors.sage300 import Sage300WriteUnknown
from connectors.sage300.errors import Sage300Error
from flows.systems.sage300.orders import OrderTarget, Receipt
from flows.systems.sage300.session import AR_RECEIPT_BATCHES, Session


class FakeSage:
    """The Web API's receipt batch POST and ARTCR by entry reference. `script` says what each
    POST does: ``ok``, ``lost`` (applied, the answer lost: a 5xx after the write), ``failed``
    (a 5xx before the write) or ``refuse:<key>`` (RecordInvalid when the batch holds `key`)."""

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.posts: list[list[str]] = []
        self.artcr: list[str] = []  # the entry references Sage holds, one per ARTCR row
        self.calls = self.queries = 0

    # the client
    def create(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        assert resource == AR_RECEIPT_BATCHES
        self.calls += 1
        keys = [e["EntryReference"] for e in body["ReceiptsAdjustments"]]
        self.posts.append(keys)
        step = self.script.pop(0) if self.script else "ok"
        if step.startswith("refuse:") and step.split(":", 1)[1] in keys:
            raise Sage300Error(400, "RecordInvalid", "Customer Number does not exist.")
        if step == "failed":
            raise Sage300WriteUnknown(502, None, "Bad Gateway")
        self.artcr.extend(keys)
        if step == "lost":
            raise Sage300WriteUnknown(502, None, "Bad Gateway")
        return {"BatchRecordType": "CA", "BatchNumber": len(self.posts)}

    # the database
    def receipts_by_reference(self, references: Iterable[str]) -> dict[str, dict[str, Any]]:
        self.queries += 1
        held = set(self.artcr)
        return {k: {"TXTRMITREF": k} for k in references if k in held}

    def close(self) -> None:
        pass


def receipt(n: int) -> Receipt:
    key = f"storebridge:shift4shop:{1000 + n}-{n}"
    entry = {"EntryReference": key, "CustomerNumber": "S1", "BankReceiptAmount": n}
    body = {
        "BatchRecordType": "CA",
        "BatchDate": f"2026-08-{n:02d}",
        "Description": key,
        "BankCode": "SEATAC",
        "DefaultBankCurrency": "USD",
        "ReceiptsAdjustments": [entry],
    }
    return Receipt(key, f"{1000 + n}-{n}", body)


def target(sage: FakeSage) -> OrderTarget:
    out = OrderTarget.__new__(OrderTarget)  # only the receipt writing: no customers, no ctx
    out.session = Session(client=sage, db=sage)
    return out


def test_one_batch_for_the_receipts_of_a_load_batch() -> None:
    sage = FakeSage(["ok"])
    receipts = [receipt(n) for n in range(1, 6)]
    assert target(sage)._write_receipts(receipts) == {}
    assert sage.posts == [[r.key for r in receipts]]
    assert sage.queries == 0  # a clean answer needs no look-up


def test_a_lost_answer_resends_only_the_missing_entries() -> None:
    receipts = [receipt(n) for n in range(1, 6)]
    # applied, the answer lost: found by their references, nothing is sent again
    sage = FakeSage(["lost"])
    assert target(sage)._write_receipts(receipts) == {}
    assert len(sage.posts) == 1
    assert Counter(sage.artcr) == Counter(r.key for r in receipts)
    # not applied (a 5xx before the write) while one entry reached Sage another way (a person,
    # an earlier run's request still running): only the four missing are sent, in a new batch
    sage = FakeSage(["failed", "ok"])
    sage.artcr.append(receipts[2].key)
    session_target = target(sage)
    assert session_target._write_receipts(receipts) == {}
    assert sage.posts[1] == [r.key for r in receipts if r is not receipts[2]]
    assert Counter(sage.artcr) == Counter(r.key for r in receipts)  # no duplicate ARTCR


def test_a_refused_batch_isolates_the_refused_payment() -> None:
    receipts = [receipt(n) for n in range(1, 4)]
    bad = receipts[1]
    sage = FakeSage([f"refuse:{bad.key}"] * 3)
    problems = target(sage)._write_receipts(receipts)
    assert list(problems) == [bad.key]
    assert bad.payment in problems[bad.key]
    assert "refused the receipt of payment" in problems[bad.key]
    assert Counter(sage.artcr) == Counter(r.key for r in receipts if r is not bad)
    assert sage.posts[1:] == [[r.key] for r in receipts]  # then one batch per entry
