"""sObject Collections (``/composite/sobjects``) of the emulated org (REST API v42.0–v62.0;
upsert by external id from v46.0), as functions the HTTP routes (`routes`) and Composite
subrequests (`composite_dispatch`) share.

A call carries at most 200 records (more: 400 ``EXCEEDED_ID_LIMIT``, the code orgs use for
over-long id lists; chosen, unverified for bodies) and counts as one API request. The answer is
200 with one result per record in input order, ``{"id", "success", "errors", "created"?}``, whose
errors use ``statusCode`` (not ``errorCode``). With ``allOrNone`` a single failure rolls every
record back; the others then report ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (message as the SOAP
API words it; exact REST text unverified). Records rolled back keep their id only if they
existed before the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.salesforce.errors import SfError, dml, not_found
from sandbox.salesforce.ids import normalize_id, object_of
from sandbox.salesforce.query import attributes
from sandbox.salesforce.schema import SObject, sobject
from sandbox.salesforce.store import Record
from sandbox.salesforce.web import resolve_object, version_number

if TYPE_CHECKING:
    from sandbox.salesforce.emulator import SalesforceEmulator

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000
MAX_CHUNKS = 10
UPSERT_SINCE = 46.0
ROLLED_BACK = SfError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
    fields=[],
)
# One record's operation: returns its result, or raises SfError.
Operation = Callable[[], Record]


class _Rollback(Exception):
    pass


def _too_many(count: int, limit: int = MAX_RECORDS) -> None:
    if count > limit:
        raise SfError(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {limit} records into this call",
        )


def _batch(data: Any) -> tuple[bool, list[Any]]:
    """``(allOrNone, records)`` of a Collections body."""
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise SfError(
            "JSON_PARSER_ERROR",
            "Cannot deserialize the request body: expected "
            '{"allOrNone": boolean, "records": [...]}',
        )
    records = data["records"]
    _too_many(len(records))
    flag = data.get("allOrNone", False)
    if isinstance(flag, str) and flag.lower() in ("true", "false"):
        flag = flag.lower() == "true"  # the JSON deserializer accepts quoted booleans
    if not isinstance(flag, bool):
        raise SfError(
            "JSON_PARSER_ERROR", f"Cannot deserialize value of type boolean from {flag!r}"
        )
    return flag, records


def _record_type(record: Any, expected: str | None = None) -> SObject:
    if not isinstance(record, dict):
        raise dml("JSON_PARSER_ERROR", "Each record must be a JSON object")
    attrs = record.get("attributes")
    name = attrs.get("type") if isinstance(attrs, dict) else None
    obj = sobject(name) if isinstance(name, str) else None
    if obj is None:
        raise dml("INVALID_TYPE", "Must send a concrete entity type.")
    if expected is not None and obj.name != expected:
        raise dml("INVALID_TYPE", f"Record type {obj.name} does not match the URL's {expected}")
    return obj


def run_all(
    emu: SalesforceEmulator, all_or_none: bool, ops: list[Operation], existed: list[bool]
) -> list[Record]:
    """Apply `ops` in order, each atomically; with `all_or_none`, all or nothing."""
    outcomes: list[Record | SfError] = []
    try:
        with emu.store.atomic():
            for op in ops:
                try:
                    with emu.store.atomic():
                        outcomes.append(op())
                except SfError as err:
                    outcomes.append(err)
            if all_or_none and any(isinstance(o, SfError) for o in outcomes):
                raise _Rollback
    except _Rollback:
        return [
            _failure(o)
            if isinstance(o, SfError)
            else _failure(ROLLED_BACK, o["id"] if was else None)
            for o, was in zip(outcomes, existed, strict=True)
        ]
    return [_failure(o) if isinstance(o, SfError) else o for o in outcomes]


def _failure(err: SfError, record_id: str | None = None) -> Record:
    result: Record = {"id": record_id} if record_id else {}
    result.update(success=False, errors=[err.collection_error()])
    return result


def _ok(record_id: str, **extra: Any) -> Record:
    return {"id": record_id, "success": True, "errors": [], **extra}


def _failing(err: SfError) -> Operation:
    def op() -> Record:
        raise err

    return op


def _create_op(emu: SalesforceEmulator, record: Any) -> Operation:
    try:
        obj = _record_type(record)
    except SfError as err:
        return _failing(err)
    if any(k.lower() == "id" for k in record):
        return _failing(dml("INVALID_FIELD", "cannot specify Id in an insert call"))
    return lambda: _ok(emu.dml.create(obj.name, record))


def _chunks(records: list[Any]) -> int:
    """How many same-type runs a mixed-type create is processed in."""
    types = [
        r["attributes"].get("type")
        if isinstance(r, dict) and isinstance(r.get("attributes"), dict)
        else None
        for r in records
    ]
    return sum(1 for i, t in enumerate(types) if i == 0 or t != types[i - 1])


def _update_op(emu: SalesforceEmulator, record: Any) -> tuple[Operation, bool]:
    try:
        obj = _record_type(record)
    except SfError as err:
        return _failing(err), False
    raw = next((v for k, v in record.items() if k.lower() == "id"), None)
    rid = normalize_id(raw)
    if rid is None or object_of(rid) != obj.name:
        return _failing(dml("MALFORMED_ID", f"malformed id {raw}")), False
    exists = emu.store.get(obj.name, rid) is not None

    def op() -> Record:
        emu.dml.update(obj.name, rid, record, rest=False)
        return _ok(rid)

    return op, exists


def _upsert_ops(
    emu: SalesforceEmulator, obj: SObject, field: str, records: list[Any]
) -> tuple[list[Operation], list[bool]]:
    key = emu.dml.upsert_key(obj, field)
    values = [_key_value(r, key.name) for r in records]
    folded = [str(v).casefold() if v is not None else None for v in values]
    ops: list[Operation] = []
    existed: list[bool] = []
    for record, value, fold in zip(records, values, folded, strict=True):
        existed.append(value is not None and bool(emu.store.find(obj.name, key, value)))
        if value is None:
            ops.append(_failing(dml("MISSING_ARGUMENT", f"{key.name} not specified", key.name)))
        elif folded.count(fold) > 1:
            ops.append(
                _failing(
                    dml(
                        "DUPLICATE_EXTERNAL_ID",
                        f"Duplicate external id specified: {value}",
                        key.name,
                    )
                )
            )
        else:
            ops.append(_upsert_op(emu, obj, key.name, record, value))
    return ops, existed


def _key_value(record: Any, key: str) -> Any:
    if not isinstance(record, dict):
        return None
    return next((v for k, v in record.items() if k.lower() == key.lower()), None)


def _upsert_op(
    emu: SalesforceEmulator, obj: SObject, key: str, record: Any, value: Any
) -> Operation:
    def op() -> Record:
        _record_type(record, obj.name)
        body = {k: v for k, v in record.items() if k.lower() != key.lower()}
        rid, created = emu.dml.upsert(obj.name, key, value, body, rest=False)
        return _ok(rid, created=created)

    return op


def _delete_op(emu: SalesforceEmulator, raw: str) -> tuple[Operation, bool]:
    rid = normalize_id(raw)
    name = object_of(rid) if rid else None
    if rid is None or name is None:
        return _failing(dml("MALFORMED_ID", f"malformed id {raw}")), False
    exists = emu.store.get(name, rid) is not None

    def op() -> Record:
        emu.dml.delete(name, rid, rest=False)
        return _ok(rid)

    return op, exists


def retrieve_many(
    emu: SalesforceEmulator, obj: SObject, ids: list[str], fields: list[str], version: str
) -> list[Record | None]:
    _too_many(len(ids), MAX_RETRIEVE_IDS)
    resolved = []
    for name in fields:
        f = obj.field(name)
        if f is None:
            raise SfError("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
        resolved.append(f.name)
    out: list[Record | None] = []
    for raw in ids:
        rec = emu.store.get(obj.name, raw)
        if rec is None:
            out.append(None)
            continue
        row: Record = {"attributes": attributes(obj.name, rec["Id"], version)}
        row.update({name: rec.get(name) for name in resolved})
        out.append(row)
    return out


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def create_many(
    emu: SalesforceEmulator, data: Any, *, force_all_or_none: bool = False
) -> list[Record]:
    """``POST /composite/sobjects``: create (mixed types) in order.

    Args:
        emu: the org.
        data: the JSON body ``{"allOrNone", "records"}``.
        force_all_or_none: a Composite request with ``allOrNone`` overrides the body's flag.
    """
    all_or_none, records = _batch(data)
    if _chunks(records) > MAX_CHUNKS:
        # Code unverified; the text is the platform's for mixed-type DML.
        raise SfError(
            "INVALID_BATCH_REQUEST",
            "Cannot have more than 10 chunks in a single "
            "operation. Please rearrange the data to reduce chunking.",
        )
    with emu.lock:
        ops = [_create_op(emu, r) for r in records]
        return run_all(emu, all_or_none or force_all_or_none, ops, [False] * len(ops))


def update_many(
    emu: SalesforceEmulator, data: Any, *, force_all_or_none: bool = False
) -> list[Record]:
    """``PATCH /composite/sobjects``: update by Id in order."""
    all_or_none, records = _batch(data)
    with emu.lock:
        pairs = [_update_op(emu, r) for r in records]
        return run_all(
            emu, all_or_none or force_all_or_none, [p[0] for p in pairs], [p[1] for p in pairs]
        )


def upsert_many(
    emu: SalesforceEmulator,
    version: str,
    sobject_name: str,
    field: str,
    data: Any,
    *,
    force_all_or_none: bool = False,
) -> list[Record]:
    """``PATCH /composite/sobjects/{S}/{ExtField}`` (v46.0+): upsert by external id."""
    if version_number(version) < UPSERT_SINCE:
        raise not_found()
    obj = resolve_object(sobject_name)
    all_or_none, records = _batch(data)
    with emu.lock:
        ops, existed = _upsert_ops(emu, obj, field, records)
        return run_all(emu, all_or_none or force_all_or_none, ops, existed)


def delete_many(emu: SalesforceEmulator, ids_param: str | None, all_or_none: bool) -> list[Record]:
    """``DELETE /composite/sobjects?ids=&allOrNone=``."""
    ids = split_list(ids_param)
    _too_many(len(ids))
    with emu.lock:
        pairs = [_delete_op(emu, i) for i in ids]
        return run_all(emu, all_or_none, [p[0] for p in pairs], [p[1] for p in pairs])
