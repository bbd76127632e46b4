"""Every field a SOQL condition reads, on every object it reaches.

A filter compiled for dbt reads more than its own object's columns: a parent path
(``Account.Owner.Name`` on Case) reads the lookup on each object along the way and the field at
the end, and a semi-join (``Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)``) reads
the fields of its sub-select on its own object. All of them must be in the warehouse for the
filter to work, so the extractor pulls them::

    >>> condition_fields("Account.Industry = 'Tech'", "Case", catalog)
    [('Case', 'AccountId'), ('Account', 'Industry')]

Names come back in the catalog's casing; the condition must be valid (as resolving the config
checks first); parts that do not resolve are skipped.
"""

from __future__ import annotations

from pipelines.soql import ast as a
from pipelines.soql.catalog import Catalog, Field, SObject
from pipelines.soql.parser import parse_condition

TFieldRef = tuple[str, str]
"""``(object API name, field API name)``."""


def condition_fields(text: str, object_name: str, catalog: Catalog) -> list[TFieldRef]:
    """The ``(object, field)`` pairs the condition ``text`` on ``object_name`` reads."""
    obj = catalog.get(object_name)
    if obj is None:
        return []
    found: list[TFieldRef] = []
    _Walker(catalog, found).condition(parse_condition(text), obj)
    return found


class _Walker:
    def __init__(self, catalog: Catalog, found: list[TFieldRef]) -> None:
        self.catalog = catalog
        self.found = found

    def add(self, obj: SObject, fld: Field) -> None:
        ref = (obj.name, fld.name)
        if ref not in self.found:
            self.found.append(ref)

    def condition(self, node: a.Condition, obj: SObject) -> None:
        if isinstance(node, a.Comparison):
            self.expression(node.lhs, obj)
            if isinstance(node.value, a.Query):
                self.query(node.value)
        elif isinstance(node, a.And | a.Or):
            for item in node.items:
                self.condition(item, obj)
        elif isinstance(node, a.Not | a.Paren):
            self.condition(node.item, obj)

    def expression(self, node: object, obj: SObject) -> None:
        if isinstance(node, a.FieldPath):
            self.path(node, obj)
        elif isinstance(node, a.FuncCall):
            for arg in node.args:
                self.expression(arg, obj)

    def query(self, query: a.Query) -> None:
        parts = query.from_.object.parts
        inner = self.catalog.get(parts[0].text) if len(parts) == 1 else None
        if inner is None:
            return
        for item in query.select:
            self.expression(item.expr, inner)
        if query.where is not None:
            self.condition(query.where, inner)

    def path(self, path: a.FieldPath, obj: SObject) -> None:
        parts = [p.text for p in path.parts]
        if len(parts) > 1 and parts[0].lower() == obj.name.lower():
            parts = parts[1:]
        here = obj
        for rel in parts[:-1]:
            lookup = here.relationship(rel)
            target = self._target(lookup) if lookup is not None else None
            if lookup is None or target is None:
                return
            self.add(here, lookup)
            here = target
        fld = here.field(parts[-1])
        if fld is not None:
            self.add(here, fld)

    def _target(self, lookup: Field) -> SObject | None:
        # As the SOQL compiler reads a polymorphic lookup: through User when it can be a User.
        known = [o for o in (self.catalog.get(t) for t in lookup.reference_to) if o is not None]
        users = [o for o in known if o.name == "User"]
        chosen = users or known
        return chosen[0] if chosen else None
