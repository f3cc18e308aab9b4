"""The REST resources of the emulated org as plain functions (REST API v42.0–v62.0): sObject
rows, rows by external id and SOQL, each returning a `Reply` (status, body, headers).

The HTTP routes (`routes`) and the Composite resource (`composite`) both call these, so a
subrequest behaves exactly as the same request sent on its own. Errors are raised as `SfError`;
a 300 Multiple Choices (several records share an external id) is a normal `Reply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.salesforce.errors import MultipleMatches, SfError, not_found
from sandbox.salesforce.query import attributes, execute
from sandbox.salesforce.schema import SObject
from sandbox.salesforce.store import Record

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

UPDATED_STATUS_SINCE = 46.0  # upsert of an existing record: 200 + body from v46.0, 204 before


@dataclass
class Reply:
    """One resource's answer: HTTP status, JSON body (None: no body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(err: SfError) -> Reply:
    """The error array of `err` as a reply (300 lists the matching records)."""
    return Reply(err.status, err.body())


def _multiple(err: MultipleMatches, obj: SObject, version: str) -> Reply:
    return Reply(300, [f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in err.ids])


def render_record(obj: SObject, rec: Record, version: str, fields: str | None) -> Record:
    """A record as ``GET /sobjects/{S}/{Id}`` returns it (all fields, or `fields` + Id)."""
    row: Record = {"attributes": attributes(obj.name, rec["Id"], version)}
    if fields is None:
        row.update({name: rec.get(name) for name in obj.fields})
        return row
    for name in [n.strip() for n in fields.split(",") if n.strip()]:
        f = obj.field(name)
        if f is None:
            raise SfError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
        row[f.name] = rec.get(f.name)
    # Assumption (as in the documented example): Id is appended when not asked for.
    row.setdefault("Id", rec["Id"])
    return row


def _live(emu: SalesforceEmulator, obj: SObject, record_id: str) -> Record:
    rec = emu.store.get(obj.name, record_id, deleted=True)
    if rec is None:
        raise not_found()
    if rec["IsDeleted"]:
        raise SfError("ENTITY_IS_DELETED", "entity is deleted", status=404)
    return rec


def create_record(
    emu: SalesforceEmulator, obj: SObject, body: dict[str, Any], version: str
) -> Reply:
    """``POST /sobjects/{S}``: 201 with the new id."""
    with emu.lock:
        rid = emu.dml.create(obj.name, body)
    location = {"Location": f"/services/data/v{version}/sobjects/{obj.name}/{rid}"}
    return Reply(201, {"id": rid, "success": True, "errors": []}, location)


def read_record(
    emu: SalesforceEmulator, obj: SObject, record_id: str, version: str, fields: str | None
) -> Reply:
    """``GET /sobjects/{S}/{Id}[?fields=]``."""
    with emu.lock:
        return Reply(200, render_record(obj, _live(emu, obj, record_id), version, fields))


def update_record(
    emu: SalesforceEmulator, obj: SObject, record_id: str, body: dict[str, Any]
) -> Reply:
    """``PATCH /sobjects/{S}/{Id}``: 204."""
    with emu.lock:
        emu.dml.update(obj.name, record_id, body)
    return Reply(204)


def delete_record(emu: SalesforceEmulator, obj: SObject, record_id: str) -> Reply:
    """``DELETE /sobjects/{S}/{Id}``: 204."""
    with emu.lock:
        emu.dml.delete(obj.name, record_id)
    return Reply(204)


def _by_external_id(emu: SalesforceEmulator, obj: SObject, field_name: str, value: str) -> Record:
    """The one live record whose external id `field_name` holds `value` (lock held)."""
    key = emu.dml.upsert_key(obj, field_name)
    matches = emu.store.find(obj.name, key, value)
    if len(matches) > 1:
        raise MultipleMatches(key.name, value, [m["Id"] for m in matches])
    if not matches:
        raise not_found()
    return matches[0]


def read_by_external_id(
    emu: SalesforceEmulator,
    obj: SObject,
    field_name: str,
    value: str,
    version: str,
    fields: str | None,
) -> Reply:
    """``GET /sobjects/{S}/{ExtField}/{value}``: 200, or 300 when several records match."""
    try:
        with emu.lock:
            rec = _by_external_id(emu, obj, field_name, value)
            return Reply(200, render_record(obj, rec, version, fields))
    except MultipleMatches as err:
        return _multiple(err, obj, version)


def upsert_by_external_id(
    emu: SalesforceEmulator,
    obj: SObject,
    field_name: str,
    value: str,
    body: dict[str, Any],
    version: str,
) -> Reply:
    """``PATCH /sobjects/{S}/{ExtField}/{value}``: 201 created, 200 (204 before v46) updated."""
    try:
        with emu.lock:
            rid, created = emu.dml.upsert(obj.name, field_name, value, body)
    except MultipleMatches as err:
        return _multiple(err, obj, version)
    result: dict[str, Any] = {"id": rid, "success": True, "errors": [], "created": created}
    if created:
        location = {"Location": f"/services/data/v{version}/sobjects/{obj.name}/{rid}"}
        return Reply(201, result, location)
    if float(version) < UPDATED_STATUS_SINCE:
        return Reply(204)
    return Reply(200, result)


def delete_by_external_id(
    emu: SalesforceEmulator, obj: SObject, field_name: str, value: str, version: str
) -> Reply:
    """``DELETE /sobjects/{S}/{ExtField}/{value}``: 204."""
    try:
        with emu.lock:
            emu.dml.delete(obj.name, _by_external_id(emu, obj, field_name, value)["Id"])
    except MultipleMatches as err:
        return _multiple(err, obj, version)
    return Reply(204)


def run_query(
    emu: SalesforceEmulator, soql: str | None, version: str, *, include_deleted: bool, batch: int
) -> Reply:
    """``GET /query?q=`` (``/queryAll`` with `include_deleted`): the first page."""
    if not soql:
        raise SfError("MALFORMED_QUERY", "A query string has to be specified")
    with emu.lock:
        result = execute(emu.store, soql, include_deleted=include_deleted, version=version)
        return Reply(200, emu.cursors.first_page(result, batch, version))


def query_more(emu: SalesforceEmulator, locator: str, version: str, batch: int) -> Reply:
    """``GET /query/{locator}``: the next page."""
    with emu.lock:
        return Reply(200, emu.cursors.next_page(locator, batch, version))
