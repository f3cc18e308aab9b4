"""Record writes packed to the platform's limits across a whole run (REST API v59.0).

Callers `add` single-record writes (upsert by external id, update by Id, delete) in dependency
order, each naming the writes it depends on; `flush` packs them into `/composite` requests of up
to 5 sObject Collections subrequests of up to 200 records each (backoffice-apis.md 1.3), in
order (`collateSubrequests: false`), so one API call carries up to 1,000 records and a whole
dependency chain (Account → Contact → Order → OrderItem → status) when the children point at
their parents by external id. Without `force`, only full requests are sent; the rest waits for
more writes from later batches (or `flush(force=True)`). `allOrNone` is off: one bad record never
sinks the others. Results come back per write key, as `SaveResult`s.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from connectors.http import jsonx
from connectors.http.requests_adapter import IDEMPOTENT_HEADER
from connectors.salesforce import resources
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.models import RecordIssue, SaveResult

Op = Literal["upsert", "update", "delete"]
COMPOSITE_PATH = "composite"
MAX_COLLECTION_SUBREQUESTS = 5  # per /composite call (query and Collections subrequests)


@dataclass
class Write:
    """One record write.

    Attributes:
        key: the caller's token for this write (unique among pending writes).
        sobject: the object, e.g. ``Order``.
        op: ``upsert`` (by `ext_field`), ``update`` (the record carries ``Id``) or ``delete``.
        record: the field values (for delete: ``{"Id": ...}``).
        ext_field: the external id field of an upsert.
        stage: writes of a lower stage are sent first (parents before children).
        after: keys of writes that must be sent before this one (or earlier in the same call).
    """

    key: Hashable
    sobject: str
    op: Op
    record: Mapping[str, Any]
    ext_field: str | None = None
    stage: int = 0
    after: tuple[Hashable, ...] = ()

    @property
    def group(self) -> tuple[int, str, str, str]:
        return (self.stage, self.sobject, self.op, self.ext_field or "")


@dataclass
class _Group:
    key: tuple[int, str, str, str]
    writes: list[Write] = field(default_factory=list)


def _identity(w: Write) -> tuple[str, str]:
    return (w.sobject, str(w.record.get("Id") or w.record.get(w.ext_field or "") or id(w)))


def _chunk(writes: list[Write], size: int) -> tuple[list[Write], list[Write]]:
    """Up to `size` writes for one Collections subrequest, each record at most once (a
    collection refuses the same Id twice); the rest in their order."""
    take: list[Write] = []
    rest: list[Write] = []
    seen: set[tuple[str, str]] = set()
    for w in writes:
        ident = _identity(w)
        if len(take) < size and ident not in seen:
            seen.add(ident)
            take.append(w)
        else:
            rest.append(w)
    return take, rest


def failed_result(code: str, message: str) -> SaveResult:
    """A SaveResult for a record whose whole subrequest failed."""
    issue = RecordIssue.model_validate({"statusCode": code, "message": message})
    return SaveResult(success=False, errors=[issue])


class CompositeWriter:
    """Packs writes into `/composite` calls (see the module docstring)."""

    def __init__(
        self,
        client: SalesforceClient,
        *,
        chunk: int = resources.COLLECTION_MAX,
        subrequests: int = MAX_COLLECTION_SUBREQUESTS,
    ) -> None:
        self.client = client
        self.chunk = chunk
        self.subrequests = subrequests
        self._groups: dict[tuple[int, str, str, str], _Group] = {}
        self._pending: set[Hashable] = set()
        # A later write of a record whose write is still queued is merged into it (one record
        # sent, both keys answered): record -> queued write, and the keys each one carries.
        self._queued: dict[tuple[tuple[int, str, str, str], tuple[str, str]], Write] = {}
        self._carried: dict[Hashable, list[Hashable]] = {}
        self.calls = 0

    @property
    def pending(self) -> int:
        """Writes not sent yet."""
        return len(self._pending)

    def holds(self, key: Hashable) -> bool:
        """Whether the write `key` is queued and not sent yet."""
        return key in self._pending

    def add(self, writes: Iterable[Write]) -> None:
        """Queue writes (nothing is sent until `flush`). A write whose key is pending replaces
        it (a retried batch queues its writes again); a write of a record (same object, op and
        Id or external id) whose earlier write is still queued is merged into that one: its
        fields win, it waits for both writes' dependencies, and both keys get the result."""
        for w in writes:
            ident = (w.group, _identity(w))
            queued = self._queued.get(ident) if w.op != "delete" else None
            mine = queued is not None and (
                w.key == queued.key
                or w.key not in self._pending
                or w.key in self._carried.get(queued.key, ())
            )
            if queued is not None and mine:
                queued.record = {**queued.record, **w.record}
                queued.after = tuple(dict.fromkeys((*queued.after, *w.after)))
                carried = self._carried.setdefault(queued.key, [])
                if w.key != queued.key and w.key not in carried:
                    carried.append(w.key)
                    self._pending.add(w.key)
                continue
            if w.key in self._pending:
                self._drop(w.key)
            group = self._groups.get(w.group)
            if group is None:
                group = self._groups[w.group] = _Group(w.group)
            group.writes.append(w)
            self._pending.add(w.key)
            if w.op != "delete":
                self._queued[ident] = w

    def flush(
        self, *, force: bool = False, keep: int = 0, final: bool = False
    ) -> Iterator[tuple[Hashable, SaveResult]]:
        """Send requests; return the result of every write sent.

        Args:
            force: also send partly filled requests, until at most `keep` writes are pending.
            keep: with `force`, stop once this few writes are left (bounded memory without
                giving up packing).
        """
        while self._pending:
            slots = self._build(full_only=True)
            if slots is None and force and len(self._pending) > keep:
                slots = self._build(full_only=False)
            if slots is None:
                break
            yield from self._send(slots).items()

    def _drop(self, key: Hashable) -> None:
        for gkey, group in list(self._groups.items()):
            group.writes = [w for w in group.writes if w.key != key]
            if not group.writes:
                del self._groups[gkey]
        self._pending.discard(key)
        self._queued = {i: w for i, w in self._queued.items() if w.key != key}
        for carried in self._carried.pop(key, []):  # merged into it: re-queued on their own
            self._pending.discard(carried)

    # --- packing ------------------------------------------------------------------------------
    def _sendable(self, w: Write, included: set[Hashable]) -> bool:
        return all(d not in self._pending or d in included for d in w.after)

    def _build(self, *, full_only: bool) -> list[tuple[_Group, list[Write]]] | None:
        slots: list[tuple[_Group, list[Write]]] = []
        included: set[Hashable] = set()
        for key in sorted(self._groups):
            group = self._groups[key]
            avail = [w for w in group.writes if self._sendable(w, included)]
            while avail and len(slots) < self.subrequests:
                take, avail = _chunk(avail, self.chunk)
                if full_only and len(take) < self.chunk:
                    break
                slots.append((group, take))
                included.update(w.key for w in take)
                included.update(k for w in take for k in self._carried.get(w.key, ()))
            if len(slots) == self.subrequests:
                break
        if not slots or (full_only and len(slots) < self.subrequests):
            return None
        return slots

    # --- sending ------------------------------------------------------------------------------
    def _subrequest(self, ref: str, group: _Group, writes: list[Write]) -> dict[str, Any]:
        _, sobject, op, ext_field = group.key
        base = f"/services/data/v{self.client.settings.api_version}/{resources.COLLECTIONS_PATH}"
        if op == "delete":
            ids = ",".join(str(w.record["Id"]) for w in writes)
            return {
                "method": "DELETE",
                "url": f"{base}?ids={ids}&allOrNone=false",
                "referenceId": ref,
            }
        url = f"{base}/{sobject}/{ext_field}" if op == "upsert" else base
        records = [{"attributes": {"type": sobject}, **w.record} for w in writes]
        return {
            "method": "PATCH",
            "url": url,
            "referenceId": ref,
            "body": {"allOrNone": False, "records": records},
        }

    def _send(self, slots: list[tuple[_Group, list[Write]]]) -> dict[Hashable, SaveResult]:
        body = {
            "allOrNone": False,
            "collateSubrequests": False,  # parents before children: keep the order
            "compositeRequest": [
                self._subrequest(f"r{i}", g, ws) for i, (g, ws) in enumerate(slots)
            ],
        }
        carried: dict[Hashable, list[Hashable]] = {}
        for group, writes in slots:
            sent = {id(w) for w in writes}
            group.writes = [w for w in group.writes if id(w) not in sent]
            if not group.writes:
                del self._groups[group.key]
            for w in writes:
                self._pending.discard(w.key)
                self._queued.pop((w.group, _identity(w)), None)
                carried[w.key] = self._carried.pop(w.key, [])
                self._pending.difference_update(carried[w.key])
        # Upserts by external id, updates by Id and deletes may be sent again: a retried call
        # after a lost answer re-applies the same state (results then say "updated" or
        # ENTITY_IS_DELETED, which the callers treat as done).
        answer = self.client.restful(
            COMPOSITE_PATH,
            method="POST",
            data=jsonx.dumps(body),
            headers={"Content-Type": "application/json", IDEMPOTENT_HEADER: "1"},
        )
        self.calls += 1
        responses = {r.get("referenceId"): r for r in (answer or {}).get("compositeResponse", [])}
        results: dict[Hashable, SaveResult] = {}
        for i, (_, writes) in enumerate(slots):
            results.update(_results(responses.get(f"r{i}"), writes))
        for key, keys in carried.items():  # the writes merged into a sent one share its result
            for other in keys:
                if key in results:
                    results[other] = results[key]
        return results


def _results(response: Mapping[str, Any] | None, writes: list[Write]) -> dict[Hashable, SaveResult]:
    """Per-write results of one Collections subrequest (a whole-subrequest error fails all)."""
    if response is None:
        return {
            w.key: failed_result("NO_RESPONSE", "no answer for this subrequest") for w in writes
        }
    body = response.get("body")
    if (
        int(response.get("httpStatusCode", 500)) < 300
        and isinstance(body, list)
        and len(body) == len(writes)
    ):
        return {w.key: SaveResult.model_validate(r) for w, r in zip(writes, body, strict=True)}
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    code = str(first.get("errorCode") or first.get("statusCode") or response.get("httpStatusCode"))
    message = str(first.get("message") or body)
    return {w.key: failed_result(code, message) for w in writes}
