"""Collection reads: ``$filter``, ``$orderby``, ``$top``, ``$count``, paging and change tracking.

Paging follows `shared/docs/backoffice-apis.md` §2.5: ``Prefer: odata.maxpagesize=N`` (default and
maximum 5000) answers ``Preference-Applied`` and, while rows remain, an ``@odata.nextLink`` whose
``$skiptoken`` is a paging cookie (`<cookie pagenumber="2" pagingcookie="..." .../>`); ``$top``
is ignored when a page size is asked for; ``@odata.count`` is capped at 5000. The cookie holds
the offset into the query's order (primary key unless ``$orderby``), re-evaluated per page
(assumption: the real cookie holds the last row's keys; offsets behave the same while rows do
not move between pages).

Change tracking (§2.8): ``Prefer: odata.track-changes`` on a table with tracking on answers the
full set, its last page carrying ``@odata.deltaLink`` with ``$deltatoken=<version>!<stamp>``
(the docs' format) and ``Preference-Applied: odata.track-changes``. The delta call returns the
rows created or changed since (current state, once each) and ``$deletedEntity`` entries for
deletions. Only ``$select`` goes with tracking (the docs: no ``$filter``/``$orderby``/
``$expand``; those answer 400 here). A token older than the retention, issued before
`expire_delta_tokens`, from another table or malformed is refused with 0x80044352 (Dataverse's
ExpiredVersionStamp: "perform a full sync"; its status 400 is an assumption). On a table whose
tracking is off the preference is ignored: no deltaLink (OData lets a service ignore a
preference; assumption about Dataverse), so clients fall back to ``modifiedon`` polling.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from sandbox.dynamics365.errors import expired_token, invalid, query_syntax
from sandbox.dynamics365.odata_filter import parse_filter
from sandbox.dynamics365.render import Shape, column_key, context, render
from sandbox.dynamics365.store import Row, Store, stamp

MAX_PAGE = 5000
COUNT_CAP = 5000
_COOKIE = re.compile(r'pagenumber="(\d+)"\s+pagingcookie="(\d+)"(?:\s+deltaversion="(\d+)")?')


@dataclass
class ReadResult:
    """Body and extra headers of a collection read."""

    body: dict[str, Any]
    headers: dict[str, str]


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    return (1, value.lower() if isinstance(value, str) else value)


def _prefer(prefer: str) -> tuple[int | None, bool]:
    size = None
    m = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer, re.I)
    if m:
        size = max(1, min(int(m.group(1)), MAX_PAGE))
    return size, "odata.track-changes" in prefer.lower()


def _ordered(store: Store, shape: Shape, q: dict[str, str]) -> list[Row]:
    table = shape.table
    rows = store.rows(table.entity_set)
    if q.get("$filter"):
        pred = parse_filter(q["$filter"], lambda n: column_key(table, n))
        rows = [r for r in rows if pred(r)]
    for item in reversed([p.strip() for p in (q.get("$orderby") or "").split(",") if p.strip()]):
        name, _, direction = item.partition(" ")
        key = column_key(table, name)
        if direction.strip().lower() not in ("", "asc", "desc"):
            raise query_syntax(f"bad $orderby direction for {name}")
        rows.sort(key=lambda r: _sort_key(r.get(key)), reverse=direction.strip().lower() == "desc")
    return rows


def read(
    store: Store, shape: Shape, q: dict[str, str], prefer: str, root: str, retention: dt.timedelta
) -> ReadResult:
    """Answer ``GET /<set>`` with query options `q` and the request's ``Prefer`` header."""
    table = shape.table
    if "$skip" in q:
        raise query_syntax("$skip is not supported; follow @odata.nextLink")
    if "$deltatoken" in q:
        return _delta(store, shape, q, root, retention)
    size, track = _prefer(prefer)
    track = track and store.tracking[table.entity_set]
    if track and any(k in q for k in ("$filter", "$orderby", "$expand", "$top")):
        raise invalid("Only $select is supported with change tracking (odata.track-changes).")
    start, page_no, delta_version = 0, 1, store.version
    if "$skiptoken" in q:
        m = _COOKIE.search(unquote(q["$skiptoken"]))
        if not m:
            raise query_syntax("malformed $skiptoken")
        page_no, start = int(m.group(1)), int(m.group(2))
        delta_version = int(m.group(3) or store.version)
    rows = _ordered(store, shape, q)
    headers: dict[str, str] = {}
    applied = []
    if size is None:
        limit = int(q["$top"]) if q.get("$top", "").isdigit() else MAX_PAGE
        size = min(limit, MAX_PAGE)
        total_visible = min(len(rows), limit)
    else:
        applied.append(f"odata.maxpagesize={size}")
        total_visible = len(rows)
    if track:
        applied.append("odata.track-changes")
    if applied:
        headers["Preference-Applied"] = ",".join(applied)
    page = rows[start : min(start + size, total_visible)]
    body: dict[str, Any] = {
        "@odata.context": context(root, table, shape.select) + ("/$delta" if track else ""),
    }
    if q.get("$count", "").lower() == "true":
        body["@odata.count"] = min(len(rows), COUNT_CAP)
        if len(rows) > COUNT_CAP:
            body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = True
    body["value"] = [render(store, shape, r) for r in page]
    end = start + len(page)
    if end < total_visible:
        cookie = f'<cookie pagenumber="{page_no + 1}" pagingcookie="{end}" '
        cookie += f'deltaversion="{delta_version}" ' if track else ""
        cookie += f'istracking="{track}" />'
        rest = {k: v for k, v in q.items() if k != "$skiptoken"}
        body["@odata.nextLink"] = _link(root, table.entity_set, {**rest, "$skiptoken": cookie})
    elif track:
        body["@odata.deltaLink"] = _delta_link(store, root, table.entity_set, q, delta_version)
    return ReadResult(body, headers)


def _link(root: str, entity_set: str, q: dict[str, str]) -> str:
    return f"{root}/{entity_set}?{urlencode(q, quote_via=quote, safe='$,()=')}"


def _delta_link(store: Store, root: str, entity_set: str, q: dict[str, str], version: int) -> str:
    token = f"{version}!{stamp(store.clock())}"
    keep = {k: v for k, v in q.items() if k == "$select"}
    return _link(root, entity_set, {**keep, "$deltatoken": token})


def _delta(
    store: Store, shape: Shape, q: dict[str, str], root: str, retention: dt.timedelta
) -> ReadResult:
    table = shape.table
    version, _, issued = unquote(q["$deltatoken"]).partition("!")
    if not version.isdigit() or not store.tracking[table.entity_set]:
        raise expired_token()
    since = int(version)
    try:
        issued_at = dt.datetime.strptime(issued, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise expired_token() from None
    floor = store.delta_floor.get(table.entity_set, 0)
    if since > store.version or since < floor or store.clock() - issued_at > retention:
        raise expired_token()
    changed: dict[str, bool] = {}
    for v, entity_set, row_id, deleted in store.changes:
        if v > since and entity_set == table.entity_set:
            changed.pop(row_id, None)
            changed[row_id] = deleted
    values: list[dict[str, Any]] = []
    for row_id, deleted in changed.items():
        row = store.get(table.entity_set, row_id)
        if row is None:
            # created and deleted after the token, or deleted: report the deletion
            values.append(
                {
                    "@odata.context": f"{root}/$metadata#{table.entity_set}/$deletedEntity",
                    "id": row_id,
                    "reason": "deleted",
                }
            )
        elif not deleted:
            values.append(render(store, shape, row))
    body = {
        "@odata.context": context(root, table, shape.select) + "/$delta",
        "value": values,
        "@odata.deltaLink": _delta_link(store, root, table.entity_set, q, store.version),
    }
    return ReadResult(body, {"Preference-Applied": "odata.track-changes"})
