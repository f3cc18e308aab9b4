"""The building blocks of the emulated org's schema (REST API v42.0–v62.0): fields, sObjects and
the small constructors `schema` and `custom_objects` declare them with.

Each field carries the properties `describe` reports and the DML layer enforces: type, required
on create, createable/updateable, external id, unique, reference target and relationship name,
what happens to children when the parent is deleted, picklist values. Field and object names are
matched case-insensitively, as Salesforce does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.ids import KEY_PREFIXES

STRING_TYPES = frozenset({"id", "reference", "string", "textarea", "email", "phone", "picklist"})
NUMBER_TYPES = frozenset({"double", "currency", "int"})
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp")
# Standard fields the org indexes besides ids, external ids, unique and reference fields: the
# ones the integration looks records up by (Salesforce indexes Email; ProductCode and SKU are
# what catalogue look-ups filter on).
INDEXED_NAMES = frozenset({"Email", "ProductCode", "StockKeepingUnit"})


@dataclass(frozen=True)
class PicklistValue:
    """A picklist entry; `category` maps Order statuses onto their StatusCode (Draft/Activated)."""

    value: str
    category: str = ""


@dataclass(frozen=True)
class Field:
    """One field of an sObject."""

    name: str
    type: str
    label: str = ""
    required: bool = False
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    reference_to: str | None = None
    relationship: str | None = None
    on_delete: str = "restrict"  # of the child when the parent goes: cascade | restrict | setnull
    default: Any = None
    length: int = 255
    scale: int | None = None
    picklist: tuple[PicklistValue, ...] = ()

    @property
    def display_label(self) -> str:
        """The label used in error messages (e.g. "Account ID")."""
        return self.label or self.name

    @property
    def nillable(self) -> bool:
        """Whether the field may be null (what describe reports)."""
        return not self.required and self.type != "boolean" and self.name != "Id"

    @property
    def indexed(self) -> bool:
        """Whether the store keeps a hash index of the field (exact look-ups, ``=``/``IN``)."""
        return (
            self.external_id
            or self.unique
            or self.type == "reference"
            or self.name in INDEXED_NAMES
        )


@dataclass
class SObject:
    """An sObject type: its fields in describe order, with case-insensitive lookups."""

    name: str
    label: str
    plural: str
    fields: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key_prefix = KEY_PREFIXES[self.name]
        self._by_lower = {name.lower(): f for name, f in self.fields.items()}
        self._relationships = {
            f.relationship.lower(): f for f in self.fields.values() if f.relationship
        }

    @property
    def custom(self) -> bool:
        """Whether this is a custom object (``__c``)."""
        return self.name.endswith("__c")

    def field(self, name: str) -> Field | None:
        """The field called `name` (any case), or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship is called `name` (any case), or None."""
        return self._relationships.get(name.lower())

    def external_ids(self) -> list[Field]:
        """Fields usable in upsert and relationship-by-external-id."""
        return [f for f in self.fields.values() if f.external_id]


def system_fields() -> list[Field]:
    """Id, IsDeleted and the three audit stamps every object has."""
    return [
        computed("Id", "id", "Record ID", length=18),
        computed("IsDeleted", "boolean", "Deleted", default=False),
        computed("CreatedDate", "datetime", "Created Date"),
        computed("LastModifiedDate", "datetime", "Last Modified Date"),
        computed("SystemModstamp", "datetime", "System Modstamp"),
    ]


def address(prefix: str) -> list[Field]:
    """The compound address fields ``{prefix}Street`` … ``{prefix}Country``."""
    return [
        Field(f"{prefix}Street", "textarea", f"{prefix} Street"),
        Field(f"{prefix}City", "string", f"{prefix} City", length=40),
        Field(f"{prefix}State", "string", f"{prefix} State/Province", length=80),
        Field(f"{prefix}PostalCode", "string", f"{prefix} Zip/Postal Code", length=20),
        Field(f"{prefix}Country", "string", f"{prefix} Country", length=80),
    ]


def ref(name: str, target: str, relationship: str, on_delete: str, **kw: Any) -> Field:
    """A lookup/master-detail field to `target`, reachable as `relationship` in SOQL and DML."""
    return Field(
        name,
        "reference",
        kw.pop("label", f"{target} ID"),
        reference_to=target,
        relationship=relationship,
        on_delete=on_delete,
        length=18,
        **kw,
    )


def computed(name: str, type_: str, label: str, **kw: Any) -> Field:
    """A field the platform sets (neither createable nor updateable)."""
    return Field(name, type_, label, createable=False, updateable=False, **kw)


def storebridge_id(unique: bool) -> Field:
    """The integration's external id field ``Storebridge_Id__c``.

    Custom text field, External ID. Unique (case-insensitive, the default when "Unique" is
    ticked) where the integration owns the records; on Contact it is NOT unique (assumption):
    the org's contacts pre-date the integration and duplicates are possible, which is also what
    makes the 300 Multiple Choices upsert answer reachable.
    """
    return Field(
        "Storebridge_Id__c", "string", "Storebridge Id", external_id=True, unique=unique, length=80
    )


def sobject_of(name: str, label: str, plural: str, fields: list[Field]) -> SObject:
    """An sObject with the system fields around `fields` (Id and IsDeleted first)."""
    system = system_fields()
    ordered = system[:2] + fields + system[2:]
    return SObject(name, label, plural, {f.name: f for f in ordered})
