"""The sObjects the emulated org holds (REST API v42.0–v62.0), declared as data.

Each object lists its fields with the properties `describe` reports and the DML layer enforces:
type, required on create, createable/updateable, external id, unique, reference target and
relationship name, what happens to children when the parent is deleted, picklist values. Field
and object names are matched case-insensitively, as Salesforce does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.ids import KEY_PREFIXES

STRING_TYPES = frozenset({"id", "reference", "string", "textarea", "email", "phone", "picklist"})
NUMBER_TYPES = frozenset({"double", "currency", "int"})
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp")


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

    def field(self, name: str) -> Field | None:
        """The field called `name` (any case), or None."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship is called `name` (any case), or None."""
        return self._relationships.get(name.lower())

    def external_ids(self) -> list[Field]:
        """Fields usable in upsert and relationship-by-external-id."""
        return [f for f in self.fields.values() if f.external_id]


def _system() -> list[Field]:
    return [
        _computed("Id", "id", "Record ID", length=18),
        _computed("IsDeleted", "boolean", "Deleted", default=False),
        _computed("CreatedDate", "datetime", "Created Date"),
        _computed("LastModifiedDate", "datetime", "Last Modified Date"),
        _computed("SystemModstamp", "datetime", "System Modstamp"),
    ]


def _address(prefix: str) -> list[Field]:
    return [
        Field(f"{prefix}Street", "textarea", f"{prefix} Street"),
        Field(f"{prefix}City", "string", f"{prefix} City", length=40),
        Field(f"{prefix}State", "string", f"{prefix} State/Province", length=80),
        Field(f"{prefix}PostalCode", "string", f"{prefix} Zip/Postal Code", length=20),
        Field(f"{prefix}Country", "string", f"{prefix} Country", length=80),
    ]


def _ref(name: str, target: str, relationship: str, on_delete: str, **kw: Any) -> Field:
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


def _computed(name: str, type_: str, label: str, **kw: Any) -> Field:
    return Field(name, type_, label, createable=False, updateable=False, **kw)


def _storebridge_id(unique: bool) -> Field:
    # Custom text field, External ID. Unique (case-insensitive, the default when "Unique" is
    # ticked) where the integration owns the records; on Contact it is NOT unique (assumption):
    # the org's contacts pre-date the integration and duplicates are possible, which is also
    # what makes the 300 Multiple Choices upsert answer reachable.
    return Field(
        "Storebridge_Id__c", "string", "Storebridge Id", external_id=True, unique=unique, length=80
    )


def _obj(name: str, label: str, plural: str, fields: list[Field]) -> SObject:
    ordered = _system()[:2] + fields + _system()[2:]
    return SObject(name, label, plural, {f.name: f for f in ordered})


ORDER_STATUSES = (PicklistValue("Draft", "Draft"), PicklistValue("Activated", "Activated"))

SCHEMA: dict[str, SObject] = {
    o.name: o
    for o in (
        _obj("Account", "Account", "Accounts", [
            Field("Name", "string", "Account Name", required=True),
            Field("Phone", "phone", "Account Phone", length=40),
            *_address("Billing"),
            Field("Description", "textarea", "Account Description", length=32000),
            _storebridge_id(unique=True),
        ]),
        _obj("Contact", "Contact", "Contacts", [
            _ref("AccountId", "Account", "Account", "cascade"),
            Field("FirstName", "string", "First Name", length=40),
            Field("LastName", "string", "Last Name", required=True, length=80),
            _computed("Name", "string", "Full Name", length=121),
            Field("Email", "email", "Email", length=80),
            Field("Phone", "phone", "Business Phone", length=40),
            *_address("Mailing"),
            Field("Description", "textarea", "Contact Description", length=32000),
            _storebridge_id(unique=False),
        ]),
        _obj("Product2", "Product", "Products", [
            Field("Name", "string", "Product Name", required=True),
            Field("ProductCode", "string", "Product Code"),
            Field("Description", "textarea", "Product Description", length=4000),
            Field("IsActive", "boolean", "Active", default=False),
        ]),
        _obj("Pricebook2", "Price Book", "Price Books", [
            Field("Name", "string", "Price Book Name", required=True),
            Field("IsActive", "boolean", "Active", default=False),
            _computed("IsStandard", "boolean", "Is Standard Price Book", default=False),
            Field("Description", "string", "Description"),
        ]),
        _obj("PricebookEntry", "Price Book Entry", "Price Book Entries", [
            _computed("Name", "string", "Product Name"),
            _ref("Pricebook2Id", "Pricebook2", "Pricebook2", "cascade", required=True,
                 updateable=False, label="Price Book ID"),
            _ref("Product2Id", "Product2", "Product2", "cascade", required=True,
                 updateable=False, label="Product ID"),
            Field("UnitPrice", "currency", "List Price", required=True, scale=2),
            Field("IsActive", "boolean", "Active", default=False),
            Field("UseStandardPrice", "boolean", "Use Standard Price", default=False),
            _computed("ProductCode", "string", "Product Code"),
        ]),
        _obj("Order", "Order", "Orders", [
            _ref("AccountId", "Account", "Account", "restrict", required=True),
            _ref("Pricebook2Id", "Pricebook2", "Pricebook2", "restrict", label="Price Book ID"),
            _ref("BillToContactId", "Contact", "BillToContact", "setnull",
                 label="Bill To Contact ID"),
            Field("EffectiveDate", "date", "Order Start Date", required=True),
            Field("Status", "picklist", "Status", required=True, picklist=ORDER_STATUSES,
                  length=40),
            _computed("StatusCode", "picklist", "Status Category", length=40,
                      picklist=tuple(PicklistValue(p.category) for p in ORDER_STATUSES)),
            _computed("OrderNumber", "string", "Order Number", length=30),
            Field("Description", "textarea", "Description", length=32000),
            Field("PoNumber", "string", "PO Number", length=80),
            Field("Store_Status__c", "string", "Store Status", length=80),
            *_address("Billing"),
            *_address("Shipping"),
            _computed("TotalAmount", "currency", "Order Amount", scale=2),
            _storebridge_id(unique=True),
        ]),
        _obj("OrderItem", "Order Product", "Order Products", [
            _ref("OrderId", "Order", "Order", "cascade", required=True, updateable=False,
                 label="Order ID"),
            _ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", "restrict",
                 required=True, updateable=False, label="Price Book Entry ID"),
            # Derived from the entry; a client may send it, but it must match the entry.
            _ref("Product2Id", "Product2", "Product2", "restrict", updateable=False,
                 label="Product ID"),
            Field("Quantity", "double", "Quantity", required=True, scale=2),
            Field("UnitPrice", "currency", "Unit Price", required=True, scale=2),
            _computed("ListPrice", "currency", "List Price", scale=2),
            _computed("TotalPrice", "currency", "Total Price", scale=2),
            Field("Description", "string", "Line Description"),
            _storebridge_id(unique=True),
        ]),
    )
}

_BY_LOWER = {name.lower(): obj for name, obj in SCHEMA.items()}

# (child object, reference field) pairs pointing at each object, for delete rules.
REFERRERS: dict[str, list[tuple[str, Field]]] = {name: [] for name in SCHEMA}
for _child in SCHEMA.values():
    for _f in _child.fields.values():
        if _f.reference_to:
            REFERRERS[_f.reference_to].append((_child.name, _f))


def sobject(name: str) -> SObject | None:
    """The sObject called `name` (any case), or None."""
    return _BY_LOWER.get(name.lower())


def status_category(value: str | None) -> str | None:
    """The StatusCode category of an Order status value."""
    for entry in ORDER_STATUSES:
        if entry.value == value:
            return entry.category
    return None


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
        "defaultValue": f.default,
        "picklistValues": [
            {"value": p.value, "label": p.value, "active": True, "defaultValue": False}
            for p in f.picklist
        ],
    }


def describe(obj: SObject, version: str) -> dict[str, Any]:
    """A minimal DescribeSObjectResult."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        **describe_global_entry(obj, version),
        "fields": [describe_field(f) for f in obj.fields.values()],
        "urls": {**describe_global_entry(obj, version)["urls"], "describe": f"{base}/describe"},
    }


def describe_global_entry(obj: SObject, version: str) -> dict[str, Any]:
    """The describeGlobal / basic-info entry of an object."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.plural,
        "keyPrefix": obj.key_prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "urls": {"sobject": base, "rowTemplate": f"{base}/{{ID}}"},
    }
