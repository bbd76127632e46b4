"""The write-back mappings as the wizard edits them: what can be mapped to what.

Plain functions over the config, the describe catalog and the warehouse; none of them calls
Salesforce::

    list_mappings(config)                       # each mapping with its config issues
    writable_objects(catalog)                   # objects with at least one updateable field
    writable_fields(catalog, "Account")         # the field picker
    model_columns(home, "writeback__account_health")   # the column picker
    writeback_models(home)                      # the model picker, with each model's columns
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.config.catalogs import load_catalog
from pipelines.config.issues import ConfigIssue
from pipelines.config.model import IntegrationConfig
from pipelines.config.resolve import UNWRITABLE_TYPES, resolve_config
from pipelines.soql.catalog import Catalog, Field, SObject
from pipelines.writeback.warehouse import columns_of, find_model, list_models, read_warehouse


@dataclass(frozen=True)
class MappingInfo:
    """One entry of ``writeback.mappings`` and what the catalog says about it."""

    index: int
    model: str
    object: str
    id_column: str
    fields: dict[str, str]
    conflict_policy: str
    issues: list[ConfigIssue] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.model} → {self.object}"

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "model": self.model,
            "object": self.object,
            "id_column": self.id_column,
            "fields": dict(self.fields),
            "conflict_policy": self.conflict_policy,
            "issues": [i.to_dict() for i in self.issues],
        }


def list_mappings(
    config: IntegrationConfig, home: str | Path | None = None, *, catalog: Catalog | None = None
) -> list[MappingInfo]:
    """The config's mappings, each with the issues the catalog finds (objects, fields,
    updateability, one source per field). Warehouse checks happen in the dry run."""
    catalog = catalog if catalog is not None else load_catalog(home)
    issues = [i for i in resolve_config(config, catalog).issues if i.section == "writeback"]
    return [
        MappingInfo(
            index=i,
            model=m.model,
            object=m.object,
            id_column=m.id_column,
            fields=dict(m.fields),
            conflict_policy=m.conflict_policy,
            issues=[x for x in issues if x.location[:3] == ("writeback", "mappings", i)],
        )
        for i, m in enumerate(config.writeback.mappings)
    ]


def is_writable(fld: Field) -> bool:
    """A field sfsync can write: updateable, not a formula, not an id or compound field."""
    return fld.updateable and not fld.calculated and fld.type not in UNWRITABLE_TYPES


def writable_objects(catalog: Catalog) -> list[SObject]:
    """Objects that can be updated and have a writable field, by name."""
    found = [
        obj
        for obj in catalog
        if obj.updateable and obj.queryable and any(is_writable(f) for f in obj.iter_fields())
    ]
    return sorted(found, key=lambda o: o.name.lower())


def writable_fields(catalog: Catalog, object_name: str) -> list[Field]:
    """The writable fields of ``object_name`` (custom fields first), empty if it is unknown."""
    obj = catalog.get(object_name)
    if obj is None:
        return []
    found = [f for f in obj.iter_fields() if is_writable(f)]
    return sorted(found, key=lambda f: (not f.custom, f.name.lower()))


def model_columns(home: str | Path | None, model: str) -> list[tuple[str, str]]:
    """``(column, DuckDB type)`` of the built model ``model`` (empty when it is not built).

    Raises :class:`~pipelines.writeback.warehouse.WarehouseUnavailable` while a sync job
    writes the warehouse or before the first sync.
    """
    with read_warehouse(home) as conn:
        found = find_model(conn, model)
        if not found:
            return []
        return list(columns_of(conn, found[0]).values())


def writeback_models(home: str | Path | None) -> dict[str, list[tuple[str, str]]]:
    """Each built write-back model (the ``writeback`` schema, or ``writeback__*``) with its
    ``(column, DuckDB type)``, by name; a name found in several schemas is listed once, as
    a push would read it. Raises
    :class:`~pipelines.writeback.warehouse.WarehouseUnavailable` like :func:`model_columns`.
    """
    out: dict[str, list[tuple[str, str]]] = {}
    with read_warehouse(home) as conn:
        for relation in list_models(conn):
            if relation.name.lower() in {name.lower() for name in out}:
                continue
            chosen = find_model(conn, relation.name)[0]
            out[chosen.name] = list(columns_of(conn, chosen).values())
    return out
