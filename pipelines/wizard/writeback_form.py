"""The "Sync to Salesforce" section: the write-back mappings as the form edits them, and the
choices its pickers offer.

The form holds each mapping as a :class:`MappingForm` whose field map is a list of
``(warehouse column, Salesforce field)`` rows (a dict cannot show two rows for one column, and
an admin may well pick the same column twice); :func:`writeback_document` turns the form back
into the config's ``writeback`` section, with the problems only the form can see::

    forms = mapping_forms(config)                     # what the form starts from
    doc, issues = writeback_document(enabled=True, transport="auto", mappings=forms)
    save_sections(store, base, {"writeback": doc}, author="ada", extra_issues=issues)

    choices = model_choices(home)                     # models and their columns, or why not
    field_choices(catalog, "Account")                 # updateable fields: ['Health_Score__c', ...]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.config.issues import DUPLICATE, REQUIRED, ConfigIssue
from pipelines.config.model import IntegrationConfig
from pipelines.soql.catalog import Catalog
from pipelines.writeback.mappings import writable_fields, writable_objects, writeback_models
from pipelines.writeback.warehouse import WarehouseUnavailable

SECTION = "writeback"
CONFLICT_POLICIES: dict[str, str] = {
    "skip": "Keep Salesforce's value and report it",
    "prefer_warehouse": "Overwrite with the warehouse's value",
}
TRANSPORTS: dict[str, str] = {
    "auto": "Automatic (the cheaper in API calls)",
    "collections": "sObject Collections (200 records per call)",
    "bulk": "Bulk API 2.0 ingest jobs",
}


@dataclass
class MappingForm:
    """One mapping as the form holds it; blank boxes are empty strings."""

    model: str = ""
    object: str = ""
    id_column: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    conflict_policy: str = "skip"


def mapping_forms(config: IntegrationConfig) -> list[MappingForm]:
    """The config's mappings, as the form starts from them."""
    return [
        MappingForm(
            model=m.model,
            object=m.object,
            id_column=m.id_column,
            fields=list(m.fields.items()),
            conflict_policy=m.conflict_policy,
        )
        for m in config.writeback.mappings
    ]


def writeback_document(
    *, enabled: bool, transport: str, mappings: Sequence[MappingForm]
) -> tuple[dict[str, Any], list[ConfigIssue]]:
    """The ``writeback`` section, and the problems of the field rows the document cannot hold.

    Field rows left blank are dropped. A row without a column, or a column used by two rows,
    is reported at ``writeback.mappings[i].fields.<column>`` (where the form shows it) and
    left out of the document; validation reports everything else (a row without a field
    says "Required.").
    """
    issues: list[ConfigIssue] = []
    out: list[dict[str, Any]] = []
    for index, form in enumerate(mappings):
        model = form.model.strip()
        fields: dict[str, str] = {}
        for column, target in form.fields:
            column, target = (column or "").strip(), (target or "").strip()
            if not column and not target:
                continue
            where = (SECTION, "mappings", index, "fields", column)
            if not column:
                issues.append(
                    ConfigIssue(
                        where,
                        f"Required: the warehouse column written to {target}",
                        REQUIRED,
                        model,
                    )
                )
                continue
            if column in fields:
                issues.append(
                    ConfigIssue(
                        where,
                        f"Column {column} is mapped twice; a column feeds one field (add a "
                        "column to the model to write the same value to another field)",
                        DUPLICATE,
                        model,
                    )
                )
                continue
            fields[column] = target
        out.append(
            {
                "model": model,
                "object": form.object.strip(),
                "id_column": form.id_column.strip(),
                "fields": fields,
                "conflict_policy": form.conflict_policy or "skip",
            }
        )
    document = {
        "enabled": bool(enabled),
        "transport": transport or "auto",
        "mappings": out,
    }
    return document, issues


@dataclass(frozen=True)
class ModelChoices:
    """The write-back models built in the warehouse, with their columns; ``problem`` says why
    there are none to offer (no warehouse yet, a sync job writing it)."""

    models: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    problem: str | None = None

    def names(self, current: str | None = None) -> list[str]:
        """The model picker: every built model, plus ``current`` if it is not (yet) built."""
        return _with(sorted(self.models, key=str.lower), current)

    def columns(self, model: str | None, current: Iterable[str] = ()) -> list[str]:
        """The column pickers of ``model``: its columns, plus the ones already chosen."""
        found = self._find(model)
        return _with([name for name, _ in found], *current)

    def column_type(self, model: str | None, column: str | None) -> str | None:
        for name, kind in self._find(model):
            if column and name.lower() == column.lower():
                return kind
        return None

    def _find(self, model: str | None) -> list[tuple[str, str]]:
        if not model:
            return []
        for name, columns in self.models.items():
            if name.lower() == model.lower():
                return columns
        return []


def model_choices(home: str | Path | None) -> ModelChoices:
    """What the model and column pickers offer, read from the warehouse (never Salesforce)."""
    try:
        return ModelChoices(writeback_models(home))
    except WarehouseUnavailable as why:
        return ModelChoices(problem=f"The model pickers list the built models: {why}.")


def object_choices(catalog: Catalog, current: str | None = None) -> list[str]:
    """Objects with a field sfsync can write, from the synced describe (Account first)."""
    names = [o.name for o in writable_objects(catalog)]
    names.sort(key=lambda n: (n not in ("Account", "Contact", "Opportunity"), n.lower()))
    return _with(names, current)


def field_choices(
    catalog: Catalog, object_name: str | None, current: Iterable[str] = ()
) -> list[str]:
    """The fields of ``object_name`` that are updateable (custom fields first), plus the ones
    already chosen (so validation can say what is wrong with them)."""
    names = [f.name for f in writable_fields(catalog, object_name)] if object_name else []
    return _with(names, *current)


def field_label(catalog: Catalog, object_name: str | None, name: str) -> str:
    """``Health_Score__c (double)`` for a field picker's entry."""
    obj = catalog.get(object_name) if object_name else None
    fld = obj.field(name) if obj is not None and name else None
    return f"{fld.name} ({fld.type})" if fld is not None else name


def _with(options: list[str], *current: str | None) -> list[str]:
    listed = list(options)
    seen = {o.lower() for o in listed}
    for value in current:
        if value and value.lower() not in seen:
            listed.append(value)
            seen.add(value.lower())
    return listed
