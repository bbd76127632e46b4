"""Metadata answers built from the org's catalog: versions, resources, describeGlobal, describe.

Field objects carry exactly the keys a real describe carries (clients such as the dlt source
index ``f["compoundFieldName"]`` unconditionally), with values derived from the catalog's
field attributes.
"""

from __future__ import annotations

from typing import Any

from pipelines.sandbox.ids import STANDARD_KEY_PREFIXES
from pipelines.soql.catalog import COMPOUND_TYPES, Catalog, Field, SObject

MASTER_RECORD_TYPE_ID = "012000000000000AAA"

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "long": "xsd:long",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "address": "urn:address",
    "location": "urn:location",
    "base64": "xsd:base64Binary",
    "anyType": "xsd:anyType",
}
_STRING_LIKE = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "encryptedstring",
    }
)
_DEFAULT_PRECISION = {"currency": (18, 2), "percent": (3, 0), "double": (18, 0)}
_SYSTEM_DEFAULTED = frozenset(
    {
        "id",
        "isdeleted",
        "createddate",
        "createdbyid",
        "lastmodifieddate",
        "lastmodifiedbyid",
        "systemmodstamp",
        "ownerid",
    }
)
_MERGEABLE = frozenset({"account", "contact", "lead", "case"})


def release_label(version: int) -> str:
    """``59`` → ``Winter '24``: three releases a year, Winter '24 being v59.0."""
    offset = version - 59
    season = ("Winter", "Spring", "Summer")[offset % 3]
    year = 24 + offset // 3
    return f"{season} '{year:02d}"


def versions(max_version: int, min_version: int = 20) -> list[dict[str, str]]:
    return [
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(min_version, max_version + 1)
    ]


_RESOURCE_NAMES = (
    "tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform",
    "chatter", "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot",
    "analytics", "search", "identity", "composite", "parameterizedSearch", "theme", "nouns",
    "recent", "licensing", "limits", "process", "async-queries", "query", "jobs", "match",
    "localizedvalue", "mobile", "emailConnect", "sobjects", "actions", "support",
)  # fmt: skip


def resources(version: str) -> dict[str, str]:
    """``GET /services/data/vXX.X``: the resources available in that version."""
    return {name: f"/services/data/{version}/{name}" for name in _RESOURCE_NAMES}


def key_prefix(obj: SObject) -> str | None:
    return obj.key_prefix or STANDARD_KEY_PREFIXES.get(obj.name)


def name_field(obj: SObject) -> str | None:
    for candidate in ("Name", "CaseNumber", "ContractNumber", "Subject"):
        f = obj.field(candidate)
        if f is not None:
            return f.name
    return None


def _urls(obj: SObject, version: str) -> dict[str, str]:
    base = f"/services/data/{version}/sobjects/{obj.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def global_entry(obj: SObject, version: str) -> dict[str, Any]:
    """One item of describeGlobal's ``sobjects`` (also ``objectDescribe`` of ``GET /sobjects/X``)."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": not obj.custom,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": key_prefix(obj),
        "label": obj.label or obj.name,
        "labelPlural": obj.label_plural or obj.label or obj.name,
        "layoutable": True,
        "mergeable": obj.name.lower() in _MERGEABLE,
        "mruEnabled": True,
        "name": obj.name,
        "queryable": obj.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": _urls(obj, version),
    }


def describe_global(catalog: Catalog, version: str) -> dict[str, Any]:
    entries = sorted((global_entry(o, version) for o in catalog), key=lambda e: e["name"].lower())
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}


def describe_object(catalog: Catalog, obj: SObject, version: str) -> dict[str, Any]:
    """``GET /sobjects/{name}/describe``."""
    name_of = name_field(obj)
    entry = global_entry(obj, version)
    children = [
        {
            "cascadeDelete": False,
            "childSObject": rel.child_object,
            "deprecatedAndHidden": False,
            "field": rel.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": rel.relationship_name,
            "restrictedDelete": False,
        }
        for rel in obj.child_relationships.values()
    ]
    children.sort(key=lambda c: (c["childSObject"], c["field"]))
    doc: dict[str, Any] = {
        "actionOverrides": [],
        **{k: v for k, v in entry.items() if k != "urls"},
        "childRelationships": children,
        "compactLayoutable": True,
        "defaultImplementation": None,
        "extendedBy": None,
        "extendsInterfaces": None,
        "fields": [describe_field(f, f.name == name_of) for f in obj.iter_fields()],
        "implementedBy": None,
        "implementsInterfaces": None,
        "listviewable": None,
        "lookupLayoutable": None,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "recordTypeInfos": [
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "developerName": "Master",
                "master": True,
                "name": "Master",
                "recordTypeId": MASTER_RECORD_TYPE_ID,
                "urls": {
                    "layout": f"/services/data/{version}/sobjects/{obj.name}/describe/layouts/"
                    f"{MASTER_RECORD_TYPE_ID}"
                },
            }
        ],
        "searchLayoutable": True,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [
            {"label": f"All {obj.label_plural or obj.name}", "name": "everything"},
            {"label": f"My {obj.label_plural or obj.name}", "name": "mine"},
        ],
        "urls": entry["urls"],
    }
    return dict(sorted(doc.items()))


def describe_field(f: Field, is_name_field: bool = False) -> dict[str, Any]:
    """A describe field object with every key a real one has."""
    ftype = f.type
    string_like = ftype in _STRING_LIKE
    length = f.length if string_like else (18 if ftype in ("id", "reference") else 0)
    if string_like and not length:
        length = 255
    precision, scale = f.precision, f.scale
    if ftype in _DEFAULT_PRECISION and not precision:
        precision, scale = _DEFAULT_PRECISION[ftype]
    digits = (f.digits or 9) if ftype == "int" else 0
    polymorphic = len(f.reference_to) > 1
    long_text = ftype == "textarea" and length > 4000
    defaulted = (
        ftype == "boolean" or f.name.lower() in _SYSTEM_DEFAULTED or f.default_value is not None
    )
    default_value = f.default_value
    if ftype == "boolean" and default_value is None:
        default_value = False
    return {
        "aggregatable": not long_text
        and ftype not in ("multipicklist", "base64", "anyType", "boolean")
        and ftype not in COMPOUND_TYPES,
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": length * 3 if string_like else length,
        "calculated": f.calculated,
        "calculatedFormula": f.formula,
        "cascadeDelete": False,
        "caseSensitive": f.case_sensitive,
        "compoundFieldName": f.compound_field_name,
        "controllerName": None,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": default_value,
        "defaultValueFormula": None,
        "defaultedOnCreate": defaulted,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": digits,
        "displayLocationInDecimal": False,
        "encrypted": ftype == "encryptedstring",
        "externalId": f.external_id,
        "extraTypeInfo": _extra_type_info(f),
        "filterable": f.filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": f.groupable,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": ftype == "id" or f.external_id,
        "inlineHelpText": None,
        "label": f.label or f.name,
        "length": length,
        "mask": None,
        "maskType": None,
        "name": f.name,
        "nameField": is_name_field,
        "namePointing": polymorphic,
        "nillable": f.nillable,
        "permissionable": f.custom and f.nillable,
        "picklistValues": [
            {
                "active": p.active,
                "defaultValue": p.default,
                "label": p.label,
                "validFor": None,
                "value": p.value,
            }
            for p in f.picklist_values
        ],
        "polymorphicForeignKey": polymorphic,
        "precision": precision,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": False,
        "scale": scale,
        "searchPrefilterable": ftype == "reference",
        "soapType": _SOAP_TYPES.get(ftype, "xsd:string"),
        "sortable": f.sortable,
        "type": ftype,
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": False,
    }


def _extra_type_info(f: Field) -> str | None:
    if f.type == "textarea":
        return "plaintextarea"
    if f.type == "reference" and f.name.lower() in ("ownerid", "createdbyid", "lastmodifiedbyid"):
        return None
    if f.type == "url" and f.name.lower().endswith("photourl"):
        return "imageurl"
    return None
