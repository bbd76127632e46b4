"""Check a config against a catalog and resolve every name in it, in one pass.

As in the SOQL compiler, resolving a name against the catalog *is* validating it: what comes
out is a :class:`Resolution` holding the catalog's own objects and fields (canonical casing,
types, lookups inferred) and each filter compiled to SQL, plus the :class:`ConfigIssue` list of
whatever could not be resolved. Validation (:mod:`pipelines.config.validation`) reports the
issues; the dbt vars compiler (:mod:`pipelines.config.dbt_vars`) and the previews use the rest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pipelines.config.issues import (
    AMBIGUOUS_LOOKUP,
    CONFLICT,
    DUPLICATE,
    NOT_UPDATEABLE,
    REQUIRED,
    UNKNOWN_FIELD,
    UNKNOWN_OBJECT,
    WRONG_FIELD_TYPE,
    ConfigIssue,
    Location,
)
from pipelines.config.model import CustomObject, IntegrationConfig, MetricSource, Writeback
from pipelines.soql import DateContext, SoqlError, compile_condition
from pipelines.soql.catalog import (
    COMPOUND_TYPES,
    DATE_TYPES,
    DATETIME_TYPES,
    Catalog,
    Field,
    SObject,
)

# The SQL alias each kind of compiled filter qualifies its columns with (see dbt_vars.py).
ACCOUNT_ALIAS = "a"
METRIC_ALIASES = {"arr": "arr_rec", "renewal": "renewal_rec"}
CUSTOM_OBJECT_ALIAS = "rec"
CASE_ALIAS = "c"

DEFAULT_LATEST_ORDER_BY = "CreatedDate"
# Contact fields the people model cannot do without.
CONTACT_REQUIRED_FIELDS = ("Id", "AccountId")

Metric = Literal["arr", "renewal"]


@dataclass(frozen=True)
class ResolvedFilter:
    """An admin's SOQL filter, valid on ``object`` and compiled to a SQL boolean over ``alias``.

    ``fields`` are the fields of ``object`` itself that the condition reads (for a parent path
    such as ``Owner.Name``, the lookup ``OwnerId``), so allowlists can keep them.
    """

    location: Location
    item: str | None
    object: str
    text: str
    sql: str
    alias: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedMetric:
    mode: str
    field: Field | None = None  # direct: on Account; aggregation: on ``object``
    object: SObject | None = None
    function: str | None = None
    filter: ResolvedFilter | None = None
    account_field: Field | None = None
    order_by: Field | None = None  # latest only: what "most recent" is ordered by


@dataclass(frozen=True)
class ResolvedCustomObject:
    object: SObject
    display_name: str
    entity_type: str
    matching_field: Field
    filter: ResolvedFilter | None
    whitelisted_fields: tuple[Field, ...]


@dataclass(frozen=True)
class ResolvedCases:
    filter: ResolvedFilter | None
    last_n_days: int | None
    conversation_source: SObject
    whitelisted_fields: tuple[Field, ...]


@dataclass(frozen=True)
class ResolvedWritebackMapping:
    """A write-back mapping whose object and fields are all updateable in the catalog.

    ``index`` is the mapping's position in ``writeback.mappings``; ``fields`` pairs each
    warehouse column with the catalog's field, in the document's order.
    """

    index: int
    model: str
    object: SObject
    id_column: str
    fields: tuple[tuple[str, Field], ...]
    conflict_policy: str


# Field types sfsync can write (compound fields are written through their parts).
UNWRITABLE_TYPES = COMPOUND_TYPES | {"id", "base64", "anyType"}


@dataclass
class Resolution:
    """The config with every name resolved; ``issues`` lists what could not be."""

    issues: list[ConfigIssue] = field(default_factory=list)
    account_types: list[tuple[str, ResolvedFilter]] = field(default_factory=list)
    owners: list[tuple[str, Field]] = field(default_factory=list)
    arr: ResolvedMetric = field(default_factory=lambda: ResolvedMetric("none"))
    renewal: ResolvedMetric = field(default_factory=lambda: ResolvedMetric("none"))
    custom_objects: list[ResolvedCustomObject] = field(default_factory=list)
    cases: ResolvedCases | None = None
    account_whitelist: tuple[Field, ...] = ()
    opportunity_whitelist: tuple[Field, ...] = ()
    contact_additional: tuple[tuple[Field, str], ...] = ()
    contact_exclude: tuple[Field, ...] = ()
    writeback: list[ResolvedWritebackMapping] = field(default_factory=list)

    @property
    def filters(self) -> list[ResolvedFilter]:
        """Every compiled filter of the config, in document order."""
        found = [f for _, f in self.account_types]
        found += [m.filter for m in (self.arr, self.renewal) if m.filter is not None]
        found += [c.filter for c in self.custom_objects if c.filter is not None]
        if self.cases is not None and self.cases.filter is not None:
            found.append(self.cases.filter)
        return found


def resolve_config(
    config: IntegrationConfig,
    catalog: Catalog,
    *,
    dialect: str = "duckdb",
    raw_schema: str | None = None,
    date_context: DateContext | None = None,
) -> Resolution:
    """Check ``config`` against ``catalog`` and resolve it; never raises for a bad config.

    Filters are compiled for ``dialect`` with tables qualified by ``raw_schema`` (parent paths
    and semi-joins read other raw tables); relative date literals (``LAST_N_DAYS:365``) are
    fixed at ``date_context`` (now, when not given).
    """
    return _Resolver(catalog, dialect, raw_schema, date_context).run(config)


class _Resolver:
    def __init__(
        self,
        catalog: Catalog,
        dialect: str,
        raw_schema: str | None,
        date_context: DateContext | None,
    ) -> None:
        self.catalog = catalog
        self.dialect = dialect
        self.raw_schema = raw_schema
        self.date_context = date_context or DateContext.current()
        self.out = Resolution()

    def issue(
        self,
        location: Location,
        message: str,
        code: str,
        item: str | None = None,
        row: int | None = None,
        column: int | None = None,
    ) -> None:
        self.out.issues.append(ConfigIssue(location, message, code, item, row, column))

    def run(self, config: IntegrationConfig) -> Resolution:
        self.account_filtering(config)
        self.owner_mapping(config)
        self.out.arr = self.metric("arr", config.arr)
        self.out.renewal = self.metric("renewal", config.renewal)
        self.custom_objects(config.custom_objects)
        self.support_cases(config)
        self.advanced(config)
        self.writeback(config.writeback)
        return self.out

    # ------------------------------------------------------------------ building blocks

    def object(self, name: str, location: Location, item: str | None) -> SObject | None:
        obj = self.catalog.get(name)
        if obj is None:
            hint = _did_you_mean(name, (o.name for o in self.catalog))
            self.issue(
                location, f"no object '{name}' in the org's schema{hint}", UNKNOWN_OBJECT, item
            )
            return None
        if not obj.queryable:
            self.issue(location, f"{obj.name} cannot be queried", UNKNOWN_OBJECT, item)
            return None
        return obj

    def field(self, obj: SObject, name: str, location: Location, item: str | None) -> Field | None:
        fld = obj.field(name)
        if fld is None:
            hint = _did_you_mean(name, (f.name for f in obj.iter_fields()))
            self.issue(location, f"no field '{name}' on {obj.name}{hint}", UNKNOWN_FIELD, item)
        return fld

    def fields(
        self, obj: SObject | None, names: list[str], location: Location
    ) -> tuple[Field, ...]:
        found: list[Field] = []
        if obj is None:
            return ()
        for i, name in enumerate(names):
            fld = self.field(obj, name, (*location, i), name)
            if fld is not None and fld not in found:
                found.append(fld)
        return tuple(found)

    def filter(
        self,
        text: str,
        obj: SObject,
        alias: str,
        location: Location,
        item: str | None,
    ) -> ResolvedFilter | None:
        try:
            compiled = compile_condition(
                text,
                obj.name,
                self.catalog,
                self.dialect,
                table_alias=alias,
                schema=self.raw_schema,
                date_context=self.date_context,
            )
        except SoqlError as err:
            self.issue(location, err.text, err.code, item, err.line, err.column)
            return None
        return ResolvedFilter(
            location,
            item,
            obj.name,
            text,
            compiled.sql,
            alias,
            tuple(_root_fields(obj, compiled.fields)),
        )

    def lookup(
        self,
        obj: SObject,
        name: str | None,
        target: str,
        location: Location,
        item: str | None,
    ) -> Field | None:
        """The lookup from ``obj`` to ``target``: ``name`` if given, else the only one there is."""
        if name is not None:
            fld = self.field(obj, name, location, item)
            if fld is not None and not _references(fld, target):
                self.issue(
                    location,
                    f"{obj.name}.{fld.name} is {_describe_type(fld)}, not a lookup to {target}",
                    WRONG_FIELD_TYPE,
                    item,
                )
                return None
            return fld
        candidates = [f for f in obj.iter_fields() if _references(f, target)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            self.issue(location, f"{obj.name} has no lookup to {target}", AMBIGUOUS_LOOKUP, item)
        else:
            names = ", ".join(f.name for f in candidates)
            self.issue(
                location,
                f"{obj.name} has several lookups to {target} ({names}); choose one",
                AMBIGUOUS_LOOKUP,
                item,
            )
        return None

    # ------------------------------------------------------------------ sections

    def account_filtering(self, config: IntegrationConfig) -> None:
        section = config.account_filtering
        account = self.catalog.get("Account")
        if account is None:
            self.issue(("account_filtering",), "the schema has no Account object", UNKNOWN_OBJECT)
            return
        if section.mode == "single":
            loc: Location = ("account_filtering", "filter")
            if section.filter is None:
                self.issue(
                    loc,
                    "required: a SOQL condition on Account selecting the accounts to sync "
                    "(account filtering is the one section every config needs)",
                    REQUIRED,
                )
                return
            resolved = self.filter(section.filter, account, ACCOUNT_ALIAS, loc, "Customer")
            if resolved is not None:
                self.out.account_types.append(("Customer", resolved))
            return
        if not section.typed_filters:
            self.issue(
                ("account_filtering", "typed_filters"),
                "required in typed mode: at least one {type, filter}",
                REQUIRED,
            )
            return
        seen: set[str] = set()
        for i, typed in enumerate(section.typed_filters):
            base: Location = ("account_filtering", "typed_filters", i)
            if typed.type in seen:
                self.issue(
                    (*base, "type"),
                    f"{typed.type} has a filter already; an account takes the first type it "
                    "matches, so combine the two conditions with OR in one filter",
                    DUPLICATE,
                    typed.type,
                )
            seen.add(typed.type)
            if typed.filter is None:
                self.issue((*base, "filter"), "required", REQUIRED, typed.type)
                continue
            resolved = self.filter(
                typed.filter, account, ACCOUNT_ALIAS, (*base, "filter"), typed.type
            )
            if resolved is not None:
                self.out.account_types.append((typed.type, resolved))

    def owner_mapping(self, config: IntegrationConfig) -> None:
        account = self.catalog.get("Account")
        if account is None:
            return
        seen: set[str] = set()
        for i, mapping in enumerate(config.owner_mapping):
            base: Location = ("owner_mapping", i)
            key = mapping.owner_type.casefold()
            if key in seen:
                self.issue(
                    (*base, "owner_type"),
                    f"owner type '{mapping.owner_type}' is mapped twice",
                    DUPLICATE,
                    mapping.owner_type,
                )
            seen.add(key)
            fld = self.field(account, mapping.field, (*base, "field"), mapping.owner_type)
            if fld is None:
                continue
            if not _references(fld, "User"):
                self.issue(
                    (*base, "field"),
                    f"Account.{fld.name} is {_describe_type(fld)}; an owner field must be a "
                    "lookup to User",
                    WRONG_FIELD_TYPE,
                    mapping.owner_type,
                )
                continue
            self.out.owners.append((mapping.owner_type, fld))

    def metric(self, name: Metric, source: MetricSource) -> ResolvedMetric:
        if source.mode == "none":
            return ResolvedMetric("none")
        base: Location = (name,)
        wants = "a number" if name == "arr" else "a date"
        if source.mode == "direct":
            account = self.catalog.get("Account")
            if source.field is None:
                self.issue(
                    (*base, "field"), f"required: the Account field holding {wants}", REQUIRED
                )
                return ResolvedMetric("none")
            if account is None:
                return ResolvedMetric("none")
            fld = self.field(account, source.field, (*base, "field"), None)
            if fld is None:
                return ResolvedMetric("none")
            if not _metric_kind_ok(name, fld):
                self.issue(
                    (*base, "field"),
                    f"Account.{fld.name} is {_describe_type(fld)}; {_metric_label(name)} needs "
                    f"{_metric_types(name)}",
                    WRONG_FIELD_TYPE,
                )
                return ResolvedMetric("none")
            return ResolvedMetric("direct", field=fld)

        # aggregation
        ok = True
        obj = None
        if source.object is None:
            self.issue((*base, "object"), "required: the object to aggregate", REQUIRED)
        else:
            obj = self.object(source.object, (*base, "object"), None)
        if source.function is None:
            self.issue((*base, "function"), "required: sum, max or latest", REQUIRED)
            ok = False
        elif name == "renewal" and source.function == "sum":
            self.issue(
                (*base, "function"),
                "a sum of dates is not a date: use max (the furthest) or latest",
                WRONG_FIELD_TYPE,
            )
            ok = False
        if source.field is None:
            self.issue((*base, "field"), f"required: the field to aggregate ({wants})", REQUIRED)
            ok = False
        if obj is None:
            return ResolvedMetric("none")
        fld = self.field(obj, source.field, (*base, "field"), None) if source.field else None
        if fld is not None and not _aggregate_kind_ok(name, fld):
            self.issue(
                (*base, "field"),
                f"{obj.name}.{fld.name} is {_describe_type(fld)}; "
                f"{_aggregate_requirement(name, source.function)}",
                WRONG_FIELD_TYPE,
            )
            fld = None
        account_field = self.lookup(
            obj, source.account_field, "Account", (*base, "account_field"), None
        )
        flt = (
            self.filter(source.filter, obj, METRIC_ALIASES[name], (*base, "filter"), None)
            if source.filter is not None
            else None
        )
        order_by = None
        if source.function == "latest" and fld is not None:
            order_by = self.latest_order(obj, fld, source.order_by, (*base, "order_by"))
            ok = ok and order_by is not None
        if not ok or fld is None or account_field is None:
            return ResolvedMetric("none")
        if source.filter is not None and flt is None:
            return ResolvedMetric("none")
        return ResolvedMetric(
            "aggregation",
            field=fld,
            object=obj,
            function=source.function,
            filter=flt,
            account_field=account_field,
            order_by=order_by,
        )

    def latest_order(
        self, obj: SObject, fld: Field, order_by: str | None, location: Location
    ) -> Field | None:
        if fld.type in DATE_TYPES | DATETIME_TYPES:
            return fld  # "latest" of a date is ordered by the date itself
        name = order_by or DEFAULT_LATEST_ORDER_BY
        order = obj.field(name)
        if order is None:
            hint = _did_you_mean(name, (f.name for f in obj.iter_fields()))
            what = "" if order_by else f" (the default for latest when {fld.name} is not a date)"
            self.issue(location, f"no field '{name}' on {obj.name}{what}{hint}", UNKNOWN_FIELD)
            return None
        if (
            not (order.type in DATE_TYPES | DATETIME_TYPES or order.is_numeric)
            or not order.sortable
        ):
            self.issue(
                location,
                f"{obj.name}.{order.name} is {_describe_type(order)}; order latest by a date, "
                "datetime or number",
                WRONG_FIELD_TYPE,
            )
            return None
        return order

    def custom_objects(self, items: list[CustomObject]) -> None:
        seen_objects: set[str] = set()
        seen_names: set[str] = set()
        for i, item in enumerate(items):
            base: Location = ("custom_objects", i)
            label = item.object
            obj = self.object(item.object, (*base, "object"), label)
            key = (obj.name if obj else item.object).casefold()
            if key in seen_objects:
                self.issue(
                    (*base, "object"),
                    f"{item.object} is listed twice; merge the two entries",
                    DUPLICATE,
                    label,
                )
                continue
            seen_objects.add(key)
            if obj is None:
                continue
            display = item.display_name or obj.label_plural or obj.name
            if display.casefold() in seen_names:
                self.issue(
                    (*base, "display_name"),
                    f"display name '{display}' is already used by another custom object",
                    DUPLICATE,
                    label,
                )
            seen_names.add(display.casefold())
            matching = self.lookup(
                obj, item.matching_field, item.entity_type, (*base, "matching_field"), label
            )
            flt = (
                self.filter(item.filter, obj, CUSTOM_OBJECT_ALIAS, (*base, "filter"), label)
                if item.filter is not None
                else None
            )
            whitelisted = self.fields(obj, item.whitelisted_fields, (*base, "whitelisted_fields"))
            if matching is None or (item.filter is not None and flt is None):
                continue
            self.out.custom_objects.append(
                ResolvedCustomObject(obj, display, item.entity_type, matching, flt, whitelisted)
            )

    def support_cases(self, config: IntegrationConfig) -> None:
        section = config.support_cases
        if not section.enabled:
            return
        base: Location = ("support_cases",)
        case = self.object("Case", base, None)
        source = self.object(section.conversation_source, (*base, "conversation_source"), None)
        if case is None:
            return
        flt = (
            self.filter(section.filter, case, CASE_ALIAS, (*base, "filter"), None)
            if section.filter is not None
            else None
        )
        whitelisted = self.fields(case, section.whitelisted_fields, (*base, "whitelisted_fields"))
        if source is not None and source.field("ParentId") is None:
            self.issue(
                (*base, "conversation_source"),
                f"{source.name} has no ParentId lookup to Case",
                AMBIGUOUS_LOOKUP,
            )
            source = None
        if source is None or (section.filter is not None and flt is None):
            return
        self.out.cases = ResolvedCases(flt, section.last_n_days, source, whitelisted)

    def advanced(self, config: IntegrationConfig) -> None:
        adv = config.advanced
        base: Location = ("advanced",)
        self.out.account_whitelist = self.fields(
            self.catalog.get("Account"),
            adv.account_whitelisted_fields,
            (*base, "account_whitelisted_fields"),
        )
        self.out.opportunity_whitelist = self.fields(
            self.catalog.get("Opportunity"),
            adv.opportunity_whitelisted_fields,
            (*base, "opportunity_whitelisted_fields"),
        )
        contact = self.catalog.get("Contact")
        if contact is None:
            return
        excluded = self.fields(
            contact, adv.contact_exclude_fields, (*base, "contact_exclude_fields")
        )
        for i, dropped in enumerate(excluded):
            if dropped.name in CONTACT_REQUIRED_FIELDS:
                self.issue(
                    (
                        *base,
                        "contact_exclude_fields",
                        _index_of(adv.contact_exclude_fields, dropped, i),
                    ),
                    f"Contact.{dropped.name} links people to their company and cannot be excluded",
                    CONFLICT,
                    dropped.name,
                )
        self.out.contact_exclude = tuple(
            f for f in excluded if f.name not in CONTACT_REQUIRED_FIELDS
        )
        additional: list[tuple[Field, str]] = []
        names: dict[str, str] = {}
        for key, custom_name in adv.contact_additional_fields.items():
            loc: Location = (*base, "contact_additional_fields", key)
            fld = self.field(contact, key, loc, key)
            if fld is None:
                continue
            if fld in excluded:
                self.issue(
                    loc,
                    f"Contact.{fld.name} is also in contact_exclude_fields; keep it in one of them",
                    CONFLICT,
                    key,
                )
                continue
            folded = custom_name.casefold().replace(" ", "_").replace("-", "_")
            if folded in names:
                self.issue(
                    loc,
                    f"custom field name '{custom_name}' is already used for {names[folded]}",
                    DUPLICATE,
                    key,
                )
                continue
            names[folded] = fld.name
            additional.append((fld, custom_name))
        self.out.contact_additional = tuple(additional)

    def writeback(self, section: Writeback) -> None:
        # One owner per field: two mappings writing the same field would undo each other.
        owners: dict[tuple[str, str], int] = {}
        for i, mapping in enumerate(section.mappings):
            base: Location = ("writeback", "mappings", i)
            item = mapping.model
            obj = self.object(mapping.object, (*base, "object"), item)
            if obj is None:
                continue
            if not obj.updateable:
                self.issue(
                    (*base, "object"),
                    f"{obj.name} records cannot be updated through the API",
                    NOT_UPDATEABLE,
                    item,
                )
                continue
            if not mapping.fields:
                self.issue(
                    (*base, "fields"),
                    "required: at least one {warehouse column: Salesforce field} pair",
                    REQUIRED,
                    item,
                )
                continue
            resolved: list[tuple[str, Field]] = []
            for column, name in mapping.fields.items():
                loc: Location = (*base, "fields", column)
                fld = self.field(obj, name, loc, item)
                if fld is None:
                    continue
                if fld.type in UNWRITABLE_TYPES or not fld.updateable or fld.calculated:
                    why = (
                        "a formula field"
                        if fld.calculated
                        else f"{_describe_type(fld)} that cannot be written"
                        if fld.type in UNWRITABLE_TYPES
                        else "read-only for the API"
                    )
                    self.issue(
                        loc,
                        f"{obj.name}.{fld.name} is {why}; choose an updateable field",
                        NOT_UPDATEABLE,
                        item,
                    )
                    continue
                key = (obj.name, fld.name)
                if key in owners:
                    where = "this mapping" if owners[key] == i else f"mapping {owners[key]}"
                    self.issue(
                        loc,
                        f"{obj.name}.{fld.name} is already written by {where}; a field can "
                        "have only one source",
                        DUPLICATE,
                        item,
                    )
                    continue
                owners[key] = i
                resolved.append((column, fld))
            if len(resolved) == len(mapping.fields):
                self.out.writeback.append(
                    ResolvedWritebackMapping(
                        i,
                        mapping.model,
                        obj,
                        mapping.id_column,
                        tuple(resolved),
                        mapping.conflict_policy,
                    )
                )


# ---------------------------------------------------------------------------- helpers


def _references(fld: Field, target: str) -> bool:
    return fld.type == "reference" and any(t.lower() == target.lower() for t in fld.reference_to)


def _describe_type(fld: Field) -> str:
    if fld.type == "reference":
        return f"a lookup to {' / '.join(fld.reference_to)}"
    article = "an" if fld.type[:1] in "aeiou" else "a"
    return f"{article} {fld.type} field"


def _is_date(fld: Field) -> bool:
    return fld.type in DATE_TYPES | DATETIME_TYPES


def _metric_label(name: Metric) -> str:
    return "ARR" if name == "arr" else "the renewal date"


def _metric_types(name: Metric) -> str:
    return "a number (currency, double, int, percent)" if name == "arr" else "a date or datetime"


def _metric_kind_ok(name: Metric, fld: Field) -> bool:
    return fld.is_numeric if name == "arr" else _is_date(fld)


def _aggregate_kind_ok(name: Metric, fld: Field) -> bool:
    # sum adds numbers, max and latest return one record's value: either way the field must
    # already be what the metric is (ARR a number, renewal a date). A renewal "sum" is
    # reported on the function, not here a second time.
    return _metric_kind_ok(name, fld)


def _aggregate_requirement(name: Metric, function: str | None) -> str:
    if function == "sum" and name == "arr":
        return "sum needs a number (currency, double, int, percent)"
    return f"{_metric_label(name)} needs {_metric_types(name)}"


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return f"; did you mean '{by_lower[close[0]]}'?" if close else ""


def _root_fields(obj: SObject, paths: list[tuple[str, ...]]) -> list[str]:
    """The fields of ``obj`` a condition reads: the field itself, or the lookup of a parent path."""
    found: list[str] = []
    for path in paths:
        parts = list(path)
        if len(parts) > 1 and parts[0].lower() == obj.name.lower():
            parts = parts[1:]
        fld = obj.field(parts[0]) if len(parts) == 1 else obj.relationship(parts[0])
        if fld is not None and fld.name not in found:
            found.append(fld.name)
    return found


def _index_of(names: list[str], fld: Field, default: int) -> int:
    for i, name in enumerate(names):
        if name.lower() == fld.name.lower():
            return i
    return default
