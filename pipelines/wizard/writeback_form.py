"""The "Sync to Salesforce" section: the write-back mappings as the form edits them, and the
choices its pickers offer.

The form holds each mapping as a :class:`MappingForm` whose field map is a list of
``(warehouse column, Salesforce field)`` rows (a dict cannot show two rows for one column, and
an admin may well pick the same column twice); :func:`writeback_document` turns the form back
into the config's ``writeback`` section, with the problems only the form can see::

    forms = mapping_forms(config)                     # what the form starts from
    doc, issues = writeback_document(enabled=True, transport="auto", mappings=forms)
    save_sections(store, base, {"writeback": doc}, author="ada", extra_issues=issues)

    field_row_issues(0, forms[0], issues).rows        # each field row's problems, in order
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
        fields, found = _read_fields(index, form)
        issues += [issue for _, issue in found]
        out.append(
            {
                "model": form.model.strip(),
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


def _read_fields(
    index: int, form: MappingForm
) -> tuple[dict[str, str], list[tuple[int, ConfigIssue]]]:
    """The field map of mapping ``index``, and the form's own problems with the position of
    the field row that caused each."""
    model = form.model.strip()
    fields: dict[str, str] = {}
    found: list[tuple[int, ConfigIssue]] = []
    for position, (column, target) in enumerate(form.fields):
        column, target = (column or "").strip(), (target or "").strip()
        if not column and not target:
            continue
        where = (SECTION, "mappings", index, "fields", column)
        if not column:
            message = f"Required: the warehouse column written to {target}"
            found.append((position, ConfigIssue(where, message, REQUIRED, model)))
            continue
        if column in fields:
            message = (
                f"Column {column} is mapped twice; a column feeds one field (add a column to "
                "the model to write the same value to another field)"
            )
            found.append((position, ConfigIssue(where, message, DUPLICATE, model)))
            continue
        fields[column] = target
    return fields, found


@dataclass(frozen=True)
class FieldRowIssues:
    """The problems of one mapping's field map, placed: ``rows`` per field row of the form (in
    its order), ``rest`` for the map as a whole or a column no row holds any more."""

    rows: list[list[ConfigIssue]]
    rest: list[ConfigIssue]


def field_row_issues(
    index: int, form: MappingForm, issues: Iterable[ConfigIssue]
) -> FieldRowIssues:
    """Under which field row of mapping ``index`` each problem of its field map shows.

    The form's own problems go under the row that caused them: "mapped twice" under the
    second (and each later) row using the column, since the first is the one that is saved.
    Every other problem of a column (the validation's) is about the saved pair, so it goes
    under the first row holding that column::

        placed = field_row_issues(0, form, issues)
        placed.rows[1]      # [ConfigIssue(..., "Column health_score is mapped twice; ...")]
    """
    base = (SECTION, "mappings", index, "fields")
    mine = [i for i in issues if i.location[:4] == base]
    rows: list[list[ConfigIssue]] = [[] for _ in form.fields]
    rest = [i for i in mine if len(i.location) == len(base)]
    left = [i for i in mine if len(i.location) > len(base)]
    for position, issue in _read_fields(index, form)[1]:
        if issue in left:
            left.remove(issue)
            rows[position].append(issue)
    first: dict[str, int] = {}
    for position, (column, _) in enumerate(form.fields):
        first.setdefault((column or "").strip(), position)
    for issue in left:
        holder = first.get(str(issue.location[len(base)]))
        (rows[holder] if holder is not None else rest).append(issue)
    return FieldRowIssues(rows, rest)


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
