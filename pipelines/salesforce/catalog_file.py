"""The describe catalog: what the org says its objects and fields are, for everyone downstream.

Written twice after each sync:

- to the warehouse as the ``describe_catalog`` table (one row per field: API name, warehouse
  column, type, lookups, formula, whether the column is synced), for dbt and analysts;
- to ``$SFSYNC_HOME/describe_catalog.yaml`` in the ``schema.yaml`` shape of
  :mod:`pipelines.soql.catalog`, for the SOQL engine and the wizard's field pickers
  (:func:`pipelines.config.catalogs.load_catalog` reads it). Objects described in this run
  replace their entries; objects synced earlier keep theirs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from dlt.common.data_types import TDataType
from dlt.common.schema.typing import TTableSchemaColumns

from pipelines.salesforce.describe import SObjectDescribe, column_for, is_syncable
from pipelines.soql.catalog import FIELD_TYPES, Catalog, CatalogError
from pipelines.soql.naming import table_name

CATALOG_FILE = "describe_catalog.yaml"
CATALOG_TABLE = "describe_catalog"

_CATALOG_TYPES: tuple[tuple[str, TDataType], ...] = (
    ("object_name", "text"),
    ("field_name", "text"),
    ("table_name", "text"),
    ("column_name", "text"),
    ("object_label", "text"),
    ("label", "text"),
    ("type", "text"),
    ("data_type", "text"),
    ("length", "bigint"),
    ("precision", "bigint"),
    ("scale", "bigint"),
    ("reference_to", "text"),
    ("relationship_name", "text"),
    ("compound_field_name", "text"),
    ("is_formula", "bool"),
    ("formula", "text"),
    ("is_custom", "bool"),
    ("is_nillable", "bool"),
    ("is_external_id", "bool"),
    ("is_synced", "bool"),
    ("picklist_values", "text"),
    ("described_at", "timestamp"),
)
CATALOG_COLUMNS: TTableSchemaColumns = {
    name: {
        "name": name,
        "data_type": data_type,
        "nullable": name not in ("object_name", "field_name"),
    }
    for name, data_type in _CATALOG_TYPES
}


def catalog_rows(
    describes: Mapping[str, SObjectDescribe],
    synced: Mapping[str, Iterable[str]],
    described_at: datetime,
) -> list[dict[str, Any]]:
    """Rows of the ``describe_catalog`` table; ``synced`` lists each object's pulled fields."""
    rows: list[dict[str, Any]] = []
    for describe in describes.values():
        pulled = {f.lower() for f in synced.get(describe.name, ())}
        for f in describe.fields:
            name = str(f["name"])
            column = column_for(f) if is_syncable(f) else None
            picklist = [
                p.get("value") for p in f.get("picklistValues") or [] if p.get("active", True)
            ]
            rows.append(
                {
                    "object_name": describe.name,
                    "field_name": name,
                    "table_name": table_name(describe.name),
                    "column_name": column.name if column else None,
                    "object_label": describe.raw.get("label"),
                    "label": f.get("label"),
                    "type": f.get("type"),
                    "data_type": column.hints.get("data_type") if column else None,
                    "length": f.get("length") or None,
                    "precision": f.get("precision") or None,
                    "scale": f.get("scale") if f.get("precision") else None,
                    "reference_to": ",".join(f.get("referenceTo") or []) or None,
                    "relationship_name": f.get("relationshipName"),
                    "compound_field_name": f.get("compoundFieldName"),
                    "is_formula": bool(column and column.formula),
                    "formula": f.get("calculatedFormula"),
                    "is_custom": bool(f.get("custom")),
                    "is_nillable": bool(f.get("nillable", True)),
                    "is_external_id": bool(f.get("externalId")),
                    "is_synced": name.lower() in pulled,
                    "picklist_values": orjson.dumps(picklist).decode() if picklist else None,
                    "described_at": described_at,
                }
            )
    return rows


# --- the YAML file ------------------------------------------------------------------------------

_BOOL_KEYS = (
    "nillable", "calculated", "custom", "filterable", "groupable", "sortable", "createable",
    "updateable", "externalId", "unique", "caseSensitive",
)  # fmt: skip
_INT_KEYS = ("length", "precision", "scale", "digits")


def catalog_document(describes: Iterable[SObjectDescribe]) -> dict[str, Any]:
    """The ``schema.yaml`` mapping of ``describes`` (every field, synced or not)."""
    described = list(describes)
    child_names = _child_relationship_names(described)
    doc: dict[str, Any] = {}
    for describe in described:
        raw = describe.raw
        entry: dict[str, Any] = {
            "label": raw.get("label") or describe.name,
            "labelPlural": raw.get("labelPlural") or raw.get("label") or describe.name,
            "custom": bool(raw.get("custom", describe.name.lower().endswith("__c"))),
        }
        if raw.get("keyPrefix"):
            entry["keyPrefix"] = str(raw["keyPrefix"])
        for key in ("queryable", "createable", "updateable", "deletable"):
            if key in raw:
                entry[key] = bool(raw[key])
        entry["fields"] = {
            str(f["name"]): _field_document(f, child_names.get((describe.name, str(f["name"]))))
            for f in describe.fields
        }
        doc[describe.name] = entry
    return doc


def _field_document(f: Mapping[str, Any], child_relationship: str | None) -> dict[str, Any]:
    sf_type = str(f.get("type") or "string")
    out: dict[str, Any] = {"type": sf_type if sf_type in FIELD_TYPES else "anyType"}
    if f.get("label"):
        out["label"] = str(f["label"])
    refs = [str(r) for r in f.get("referenceTo") or []]
    if refs:
        out["referenceTo"] = refs
    elif out["type"] == "reference":
        out["type"] = "id" if f.get("name") == "Id" else "string"
    if f.get("relationshipName"):
        out["relationshipName"] = str(f["relationshipName"])
    if child_relationship:
        out["childRelationshipName"] = child_relationship
    for key in _BOOL_KEYS:
        if key in f and f[key] is not None:
            out[key] = bool(f[key])
    for key in _INT_KEYS:
        if f.get(key):
            out[key] = int(f[key])
    if f.get("compoundFieldName"):
        out["compoundFieldName"] = str(f["compoundFieldName"])
    values = [
        {"value": str(p["value"]), "label": str(p.get("label") or p["value"]),
         "active": bool(p.get("active", True)), "defaultValue": bool(p.get("defaultValue", False))}
        for p in f.get("picklistValues") or []
        if p.get("value") is not None
    ]  # fmt: skip
    if values:
        out["picklistValues"] = values
    if f.get("defaultValue") is not None and not isinstance(f["defaultValue"], dict | list):
        out["defaultValue"] = f["defaultValue"]
    if f.get("calculatedFormula"):
        out["formula"] = str(f["calculatedFormula"])
    return out


def _child_relationship_names(describes: list[SObjectDescribe]) -> dict[tuple[str, str], str]:
    """``(child object, lookup field)`` → relationship name, from the parents' describes.

    Only lookups to a single object: the YAML shape has one child relationship name per field.
    """
    names: dict[tuple[str, str], str] = {}
    by_name = {d.name.lower(): d for d in describes}
    for parent in describes:
        for rel in parent.raw.get("childRelationships") or []:
            child = by_name.get(str(rel.get("childSObject", "")).lower())
            if child is None or not rel.get("relationshipName"):
                continue
            f = child.field(str(rel.get("field", "")))
            if f is None or len(f.get("referenceTo") or []) != 1:
                continue
            names[(child.name, str(f["name"]))] = str(rel["relationshipName"])
    return names


def write_catalog_file(home: str | os.PathLike[str], describes: Iterable[SObjectDescribe]) -> Path:
    """Update ``$SFSYNC_HOME/describe_catalog.yaml`` with ``describes`` (atomically).

    The file's first line carries a fingerprint of the describes last written, so a run whose
    describes did not change leaves the file alone without parsing it.
    """
    path = Path(home) / CATALOG_FILE
    described = sorted(describes, key=lambda d: d.name)
    stamp = hashlib.sha1(orjson.dumps([d.raw for d in described])).hexdigest()[:16]
    if _fingerprint(path) == stamp:
        return path
    fresh = catalog_document(described)
    previous = _read_document(path)
    doc = {k: v for k, v in previous.items() if k.lower() not in {n.lower() for n in fresh}}
    doc.update(fresh)
    try:
        Catalog.from_mapping(doc, source=str(path))
    except CatalogError:
        # Child relationship names that clash in this org are left out rather than failing.
        for entry in doc.values():
            for f in (entry.get("fields") or {}).values():
                f.pop("childRelationshipName", None)
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    text = f"{_HEADER}{stamp}\n# The org's describe in schema.yaml form, written by sfsync after each sync.\n{body}"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".describe_catalog.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


_HEADER = "# fingerprint: "
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _fingerprint(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
    except OSError:
        return None
    return first[len(_HEADER) :].strip() if first.startswith(_HEADER) else None


def _read_document(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
