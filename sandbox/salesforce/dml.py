"""Create, update, delete and upsert with the field-level checks of a real org (REST API
v42.0–v62.0).

Checks run in the order the platform applies them: unknown fields (``INVALID_FIELD``), read-only
fields (``INVALID_FIELD_FOR_INSERT_UPDATE``), value types (``JSON_PARSER_ERROR`` and friends),
relationship-by-external-id resolution, required fields (``REQUIRED_FIELD_MISSING``), reference
ids (``INVALID_CROSS_REFERENCE_KEY``), the object's own rules (see `rules`), then unique fields
(``DUPLICATE_VALUE``). Every operation is atomic.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.errors import MultipleMatches, SfError, dml, not_found
from sandbox.salesforce.ids import normalize_id, object_of
from sandbox.salesforce.rules import Rules
from sandbox.salesforce.schema import REFERRERS, SCHEMA, Field, SObject
from sandbox.salesforce.store import Record, Store
from sandbox.salesforce.values import coerce

READ_ONLY_HINT = (
    "Please check the security settings of this field and verify that it is read/write for your "
    "profile or permission set."
)


class Dml:
    """The org's write operations over a `Store`."""

    def __init__(self, store: Store) -> None:
        """Bind to `store`."""
        self.store = store
        self.rules = Rules(store)

    # --- operations -----------------------------------------------------------------------------
    def create(self, sobject: str, body: dict[str, Any], preset: Record | None = None) -> str:
        """Insert a record from a JSON body; returns its id.

        Args:
            sobject: canonical object name.
            body: the client's field values (any case; relationship-by-external-id allowed).
            preset: already-coerced values to set as well (the upsert key).
        """
        obj = SCHEMA[sobject]
        changes = {**self._changes(obj, body, creating=True), **(preset or {})}
        rec: Record = {name: f.default for name, f in obj.fields.items()}
        rec.update(changes)
        self._check_required(obj, rec, list(obj.fields))
        self._check_references(obj, changes)
        with self.store.atomic():
            self.rules.before_insert(sobject, rec)
            self._check_unique(obj, rec)
            moment = self.store.clock()
            rec.update(CreatedDate=moment, LastModifiedDate=moment, SystemModstamp=moment)
            rec["Id"] = self.store.allocate_id(sobject)
            self.store.put(sobject, rec)
            self.rules.after_write(sobject, None, rec)
        return str(rec["Id"])

    def update(
        self, sobject: str, record_id: str, body: dict[str, Any], *, rest: bool = True
    ) -> None:
        """Update a live record from a JSON body.

        Args:
            sobject: canonical object name.
            record_id: the record's id.
            body: the changed fields.
            rest: answer an unknown id as the single-record resource does (404) rather than as
                an sObject Collections entry.
        """
        obj = SCHEMA[sobject]
        old = self.existing(sobject, record_id, rest=rest)
        changes = self._changes(obj, _without_id(body, old["Id"]), creating=False)
        new = {**old, **changes}
        self._check_required(obj, new, list(changes))
        self._check_references(obj, changes)
        with self.store.atomic():
            self.rules.before_update(sobject, old, new)
            self._check_unique(obj, new)
            new = self.store.touch(sobject, new)
            self.rules.after_write(sobject, old, new)

    def delete(
        self, sobject: str, record_id: str, *, rest: bool = True, hard: bool = False
    ) -> None:
        """Move a record (and its cascade-deleted children) to the recycle bin.

        Args:
            sobject: canonical object name.
            record_id: the record's id.
            rest: answer an unknown id as the single-record resource does (404).
            hard: purge instead (Bulk ``hardDelete``): the record and its cascade-deleted
                children skip the recycle bin, so not even ``queryAll`` returns them.
        """
        rec = self.existing(sobject, record_id, rest=rest)
        with self.store.atomic():
            self.rules.before_delete(sobject, rec)
            self._delete_children(sobject, rec, hard=hard)
            self.store.touch(sobject, self.store.tables[sobject][rec["Id"]], IsDeleted=True)
            self.rules.after_write(sobject, rec, None)
            if hard:
                self.store.purge(sobject, rec["Id"])

    def upsert(
        self, sobject: str, field_name: str, value: Any, body: dict[str, Any], *, rest: bool = True
    ) -> tuple[str, bool]:
        """Update the record whose external id `field_name` equals `value`, or create it.

        Returns:
            (id, created).

        Raises:
            MultipleMatches: several records hold the value (REST answers 300).
        """
        obj = SCHEMA[sobject]
        key = self.upsert_key(obj, field_name)
        if rest and any(k.lower() == key.name.lower() for k in body):
            # Assumption: the docs say not to repeat the key in the body; we refuse it outright
            # (whatever its value) so a connector that does is caught here, not in production.
            raise dml(
                "INVALID_FIELD",
                f"{key.name}: the external ID field is given in the URL; do not repeat it in the "
                "request body",
                key.name,
            )
        stored = coerce(key, value)
        if stored is None:
            raise dml("MISSING_ARGUMENT", f"{key.name} not specified", key.name)
        if key.name == "Id":
            self.update(sobject, str(value), body, rest=rest)
            return str(stored), False
        matches = self.store.find(sobject, key, stored)
        if len(matches) > 1:
            raise MultipleMatches(key.name, str(value), [str(r["Id"]) for r in matches])
        if matches:
            self.update(sobject, matches[0]["Id"], body, rest=rest)
            return str(matches[0]["Id"]), False
        return self.create(sobject, body, preset={key.name: stored}), True

    # --- lookups --------------------------------------------------------------------------------
    def existing(self, sobject: str, record_id: str, *, rest: bool = True) -> Record:
        """The live record, or the error a write to a missing/deleted record gets."""
        rid = normalize_id(record_id)
        rec = self.store.get(sobject, rid, deleted=True) if rid else None
        if rec is not None and rec["IsDeleted"]:
            raise SfError("ENTITY_IS_DELETED", "entity is deleted", status=404, fields=[])
        if rec is not None:
            return rec
        if rest:
            raise not_found()
        if rid is None or object_of(rid) != sobject:
            raise dml("MALFORMED_ID", f"malformed id {record_id}")
        raise dml("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")

    @staticmethod
    def upsert_key(obj: SObject, field_name: str) -> Field:
        """The external id field named in an upsert URL (404 when it is not one)."""
        key = obj.field(field_name)
        if key is None or not (key.external_id or key.name == "Id"):
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {field_name}"
            )
        return key

    # --- checks ---------------------------------------------------------------------------------
    def _changes(self, obj: SObject, body: dict[str, Any], *, creating: bool) -> Record:
        changes: Record = {}
        by_relationship: dict[str, tuple[str, Any]] = {}
        read_only: list[str] = []
        for key, value in body.items():
            if key == "attributes":
                continue
            f = obj.field(key)
            if f is None:
                ref = obj.relationship(key)
                if ref is None:
                    raise dml(
                        "INVALID_FIELD",
                        f"No such column '{key}' on sobject of type {obj.name}",
                        key,
                    )
                by_relationship[ref.name] = (key, value)
            elif not (f.createable if creating else f.updateable):
                read_only.append(f.name)
            else:
                changes[f.name] = coerce(f, value)
        if read_only:
            raise dml(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. {READ_ONLY_HINT}",
                *read_only,
            )
        for name, (key, value) in by_relationship.items():
            if name in changes:
                raise dml(
                    "INVALID_FIELD",
                    f"Cannot specify both an external ID reference {key} "
                    f"and a salesforce id, {name}",
                    name,
                )
            changes[name] = self._by_external_id(obj.fields[name], key, value)
        return changes

    def _by_external_id(self, ref: Field, key: str, value: Any) -> str:
        """Resolve ``"Account": {"Storebridge_Id__c": "X"}`` to the parent's id."""
        target = SCHEMA[str(ref.reference_to)]
        items = (
            [(k, v) for k, v in value.items() if k != "attributes"]
            if isinstance(value, dict)
            else []
        )
        if len(items) != 1:
            raise dml(
                "INVALID_FIELD",
                f"{key}: a relationship must name exactly one external ID field of {target.name}",
                ref.name,
            )
        name, ext = items[0]
        f = target.field(name)
        if f is None or not (f.external_id or f.name == "Id"):
            raise dml(
                "INVALID_FIELD",
                f"Field name provided, {name} is not an External ID or "
                f"indexed field for {target.name}",
                ref.name,
            )
        matches = self.store.find(target.name, f, coerce(f, ext))
        if not matches:
            raise dml(
                "INVALID_FIELD",
                f"Foreign key external ID: {ext} not found for field "
                f"{f.name} in entity {target.name}",
                ref.name,
            )
        if len(matches) > 1:
            raise dml(
                "DUPLICATE_EXTERNAL_ID",
                f"Foreign key external ID: {ext} matched more than "
                f"one record for field {f.name} in entity {target.name}",
                ref.name,
            )
        return str(matches[0]["Id"])

    def _check_required(self, obj: SObject, rec: Record, names: list[str]) -> None:
        missing = [n for n in names if obj.fields[n].required and rec.get(n) in (None, "")]
        if missing:
            raise dml(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                *missing,
            )

    def _check_references(self, obj: SObject, changes: Record) -> None:
        for name, value in changes.items():
            f = obj.fields[name]
            if f.type != "reference" or value is None:
                continue
            if object_of(value) != f.reference_to:
                raise dml(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{f.display_label}: id value of incorrect type: {value}",
                    name,
                )
            if self.store.get(str(f.reference_to), value) is None:
                # Assumption: `fields` names the reference (real orgs often leave it empty).
                raise dml("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", name)

    def _check_unique(self, obj: SObject, rec: Record) -> None:
        for f in obj.fields.values():
            if not f.unique or rec.get(f.name) is None:
                continue
            others = [r for r in self.store.find(obj.name, f, rec[f.name]) if r["Id"] != rec["Id"]]
            if others:
                raise dml(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on "
                    f"record with id: {others[0]['Id']}",
                )

    def _delete_children(self, sobject: str, rec: Record, *, hard: bool) -> None:
        found = [
            (child, ref, self.store.find(child, ref, rec["Id"]))
            for child, ref in REFERRERS[sobject]
        ]
        for child, ref, rows in found:
            if rows and ref.on_delete == "restrict":
                label = SCHEMA[child].plural.lower()
                ids = ", ".join(str(r["Id"]) for r in rows[:5])
                raise dml(
                    "DELETE_FAILED",
                    f"Your attempt to delete {rec.get('Name') or rec['Id']}"
                    f" could not be completed because it is associated with the following "
                    f"{label}.: {ids}",
                )
        for child, ref, rows in found:
            for row in rows:
                if ref.on_delete == "cascade":
                    self.delete(child, row["Id"], hard=hard)
                elif ref.on_delete == "setnull":
                    self.store.touch(child, self.store.tables[child][row["Id"]], **{ref.name: None})


def _without_id(body: dict[str, Any], record_id: str) -> dict[str, Any]:
    """Drop an ``Id`` key equal to the record's own id (allowed in an update body)."""
    return {
        k: v for k, v in body.items() if not (k.lower() == "id" and normalize_id(v) == record_id)
    }
