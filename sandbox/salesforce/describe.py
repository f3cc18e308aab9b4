"""The describe resources of the emulated org (REST API v42.0–v62.0): ``describeGlobal``
entries, basic info and a subset of ``DescribeSObjectResult`` / ``DescribeFieldResult``."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.model import STRING_TYPES, Field, SObject


def describe_field(f: Field) -> dict[str, Any]:
    """The describe entry of a field (a subset of the real DescribeFieldResult)."""
    return {
        "name": f.name,
        "label": f.display_label,
        "type": f.type,
        "length": f.length if f.type in STRING_TYPES else 0,
        "scale": f.scale or 0,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "externalId": f.external_id,
        "unique": f.unique,
        "idLookup": f.name == "Id" or f.external_id,
        "custom": f.name.endswith("__c"),
        "referenceTo": [f.reference_to] if f.reference_to else [],
        "relationshipName": f.relationship,
        "cascadeDelete": f.on_delete == "cascade",
        "defaultValue": f.default,
        "picklistValues": [
            {"value": p.value, "label": p.value, "active": True, "defaultValue": False}
            for p in f.picklist
        ],
    }


def describe(obj: SObject, version: str) -> dict[str, Any]:
    """A minimal DescribeSObjectResult."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    entry = describe_global_entry(obj, version)
    return {
        **entry,
        "fields": [describe_field(f) for f in obj.fields.values()],
        "urls": {**entry["urls"], "describe": f"{base}/describe"},
    }


def describe_global_entry(obj: SObject, version: str) -> dict[str, Any]:
    """The describeGlobal / basic-info entry of an object."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.plural,
        "keyPrefix": obj.key_prefix,
        "custom": obj.custom,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "urls": {"sobject": base, "rowTemplate": f"{base}/{{ID}}"},
    }
