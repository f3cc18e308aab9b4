"""SOQL result paging of the emulated org (REST API v42.0–v62.0): page sizes asked for with
``Sforce-Query-Options: batchSize=N`` and the query locators behind ``nextRecordsUrl``
(``/services/data/vXX.X/query/01g...-2000``). Like a real org a user holds a bounded number of
open locators and the oldest is dropped first.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.ids import QUERY_LOCATOR_PREFIX, make_id
from sandbox.salesforce.index import Record

DEFAULT_BATCH, MIN_BATCH = 2000, 200


def batch_size(header: str | None) -> int:
    """The page size asked for by ``Sforce-Query-Options: batchSize=N`` (clamped to 200–2000)."""
    match = re.search(r"batchSize\s*=\s*(\d+)", header or "")
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(match.group(1))))


class Cursors:
    """Open query locators: the remaining rows of each paged result."""

    def __init__(self, max_open: int = 10) -> None:
        """Start with none open.

        Args:
            max_open: locators a user may hold; opening one more drops the oldest (a real org
                allows 10 per user, an assumption for the exact eviction rule).
        """
        self.max_open = max_open
        self._open: OrderedDict[str, list[Record]] = OrderedDict()
        self._sequence = 0

    def first_page(self, result: list[Record] | int, batch: int, version: str) -> Record:
        """The response of ``/query``: one page, with a locator when more rows remain."""
        if isinstance(result, int):
            return {"totalSize": result, "done": True, "records": []}
        if len(result) <= batch:  # one page: no locator is opened (nor an old one evicted)
            return {"totalSize": len(result), "done": True, "records": result}
        self._sequence += 1
        cursor = make_id(QUERY_LOCATOR_PREFIX, self._sequence)
        self._open[cursor] = result
        while len(self._open) > self.max_open:
            self._open.popitem(last=False)
        return self._page(cursor, 0, batch, version)

    def next_page(self, locator: str, batch: int, version: str) -> Record:
        """The response of ``/query/{locator}``."""
        cursor, _, start = locator.rpartition("-")
        if cursor not in self._open or not start.isdigit() or int(start) > len(self._open[cursor]):
            raise SfError("INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, int(start), batch, version)

    def clear(self) -> None:
        """Forget every locator."""
        self._open.clear()

    def _page(self, cursor: str, start: int, batch: int, version: str) -> Record:
        rows = self._open[cursor]
        end = start + batch
        page: Record = {"totalSize": len(rows), "done": end >= len(rows)}
        if end < len(rows):
            page["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{end}"
        else:
            del self._open[cursor]
        page["records"] = rows[start:end]
        return page
