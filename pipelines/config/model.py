"""``IntegrationConfig``: the one document that says what is synced and how it is interpreted.

It is the JSON the wizard's "Show JSON" shows, the body of every ``integration_config`` version,
and what ``configs/default.yaml`` holds. The model checks *shape* only (known keys, value types,
enumerations); whether the names in it exist in the org, have the right kind and whether its
SOQL filters are valid is :func:`pipelines.config.validation.validate_config`'s job, so that the
wizard can hold a half-filled draft while an admin works through the sections::

    >>> cfg = IntegrationConfig.model_validate(
    ...     {"account_filtering": {"mode": "single", "filter": "Type = 'Customer'"}}
    ... )
    >>> cfg.owner_mapping[0].owner_type
    'Account Owner'

Unknown keys are errors (``extra="forbid"``), so a typo never silently turns a setting off.
Fields of a mode that is not selected (``arr.object`` while ``arr.mode`` is ``direct``) are kept
and ignored, so switching modes back and forth in the wizard loses nothing.

Adding a section later (write-back, say) means adding an optional field with a default: every
stored version stays valid. ``schema_version`` is bumped only when the meaning of an existing
key changes, and the loader refuses documents newer than it understands.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

SCHEMA_VERSION: Literal[1] = 1

AccountType = Literal["Customer", "Prospect", "Partner"]
ACCOUNT_TYPES: tuple[str, ...] = ("Customer", "Prospect", "Partner")
STANDARD_OWNER_TYPES: tuple[str, ...] = ("Account Owner", "CSM", "TAM", "Onboarding Manager")

MetricMode = Literal["none", "direct", "aggregation"]
AggregateFunction = Literal["sum", "max", "latest"]
EntityType = Literal["Account", "Contact"]
ConversationSource = Literal["CaseComment", "EmailMessage"]
ConflictPolicy = Literal["skip", "prefer_warehouse"]
WritebackTransport = Literal["auto", "collections", "bulk"]

# An API name as admins type it: surrounding blanks are dropped, nothing else is changed (names are
# case-insensitive in SOQL; the catalog gives the canonical casing when the config is compiled).
ApiName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
# A warehouse name (a dbt model, a column): unquoted SQL identifier rules, so it is never quoted text.
Identifier = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"
    ),
]
# SOQL text is kept exactly as typed so that Row:Column in errors points into what the admin sees.
SoqlFilter = Annotated[str, StringConstraints(max_length=100_000)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class TypedFilter(_Section):
    """One entry of typed account filtering: accounts matching ``filter`` get ``type``."""

    type: AccountType
    filter: SoqlFilter | None = None

    _blank = field_validator("filter", mode="before")(_blank_to_none)


class AccountFiltering(_Section):
    """Which accounts are synced, and as which type.

    ``single``: every account matching ``filter`` is a Customer. ``typed``: ``typed_filters`` in
    order; an account takes the type of the first filter it matches, and accounts matching none
    are not synced. ``validate_with_api`` also sends every filter of the config to the org as a
    ``LIMIT 1`` query when the config is saved.
    """

    mode: Literal["single", "typed"] = "single"
    filter: SoqlFilter | None = None
    typed_filters: list[TypedFilter] = Field(default_factory=list)
    validate_with_api: bool = False

    _blank = field_validator("filter", mode="before")(_blank_to_none)


class OwnerMapping(_Section):
    """A User lookup on Account (``OwnerId``, ``CSM__c``) and the owner type it fills."""

    field: ApiName
    owner_type: Label


def _default_owner_mapping() -> list[OwnerMapping]:
    return [OwnerMapping(field="OwnerId", owner_type="Account Owner")]


class MetricSource(_Section):
    """Where ARR or the renewal date comes from.

    ``none``: not synced. ``direct``: ``field`` on Account. ``aggregation``: ``function`` of
    ``field`` over the records of ``object`` that match ``filter``, grouped by the object's
    lookup to Account (``account_field``, inferred when the object has exactly one). ``latest``
    takes the value of the most recent record: ordered by ``field`` itself when it is a date or
    datetime, otherwise by ``order_by`` (``CreatedDate`` when left out).
    """

    mode: MetricMode = "none"
    field: ApiName | None = None
    object: ApiName | None = None
    function: AggregateFunction | None = None
    filter: SoqlFilter | None = None
    account_field: ApiName | None = None
    order_by: ApiName | None = None

    _blank = field_validator(
        "field", "object", "filter", "account_field", "order_by", mode="before"
    )(_blank_to_none)


class CustomObject(_Section):
    """Records of any object, synced as related records of an Account or a Contact.

    ``matching_field`` is the object's lookup to ``entity_type`` (inferred when there is exactly
    one); ``whitelisted_fields`` empty means every field; ``display_name`` defaults to the
    object's plural label.
    """

    object: ApiName
    display_name: Label | None = None
    entity_type: EntityType = "Account"
    matching_field: ApiName | None = None
    filter: SoqlFilter | None = None
    whitelisted_fields: list[ApiName] = Field(default_factory=list)

    _blank = field_validator("display_name", "matching_field", "filter", mode="before")(
        _blank_to_none
    )


class SupportCases(_Section):
    """Cases as support activities, threaded from ``conversation_source``.

    ``last_n_days`` caps the lookback window (``None``: no cap); it is applied at transform time,
    so the window moves with the calendar.
    """

    enabled: bool = False
    filter: SoqlFilter | None = None
    last_n_days: int | None = Field(default=90, ge=1, le=36_500)
    conversation_source: ConversationSource = "CaseComment"
    whitelisted_fields: list[ApiName] = Field(default_factory=list)

    _blank = field_validator("filter", mode="before")(_blank_to_none)


# A custom field name on the people side: letters, digits, blanks, ``_`` and ``-``.
CustomFieldName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[A-Za-z][A-Za-z0-9 _\-]*$"
    ),
]


class Advanced(_Section):
    """Field allowlists and exclusions; empty lists mean "every field"."""

    account_whitelisted_fields: list[ApiName] = Field(default_factory=list)
    opportunity_whitelisted_fields: list[ApiName] = Field(default_factory=list)
    contact_additional_fields: dict[ApiName, CustomFieldName] = Field(default_factory=dict)
    contact_exclude_fields: list[ApiName] = Field(default_factory=list)


class WritebackMapping(_Section):
    """Columns of one dbt model written back to fields of one Salesforce object.

    Each row of ``model`` is one record: ``id_column`` holds its Salesforce Id and ``fields``
    maps warehouse columns to the object's fields (``{health_score: Health_Score__c}``); a NULL
    leaves the field alone. ``conflict_policy`` decides what happens to a field changed in
    Salesforce after sfsync last wrote it: ``skip`` reports it and keeps Salesforce's value,
    ``prefer_warehouse`` overwrites it.
    """

    model: Identifier
    object: ApiName
    id_column: Identifier
    fields: dict[Identifier, ApiName] = Field(default_factory=dict)
    conflict_policy: ConflictPolicy = "skip"


class Writeback(_Section):
    """Values computed in the warehouse, pushed to Salesforce (``sfsync push``).

    Off until ``enabled``: then ``sfsync push`` writes and every sync job ends with a push; a
    dry run (``sfsync push --dry-run``) previews the changes either way. ``transport``: ``auto``
    takes whichever of sObject Collections and Bulk API 2.0 costs fewer API calls.
    """

    enabled: bool = False
    transport: WritebackTransport = "auto"
    mappings: list[WritebackMapping] = Field(default_factory=list)


class IntegrationConfig(_Section):
    """The whole Salesforce integration config (one stored version)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    account_filtering: AccountFiltering = Field(default_factory=AccountFiltering)
    owner_mapping: list[OwnerMapping] = Field(default_factory=_default_owner_mapping)
    arr: MetricSource = Field(default_factory=MetricSource)
    renewal: MetricSource = Field(default_factory=MetricSource)
    custom_objects: list[CustomObject] = Field(default_factory=list)
    support_cases: SupportCases = Field(default_factory=SupportCases)
    advanced: Advanced = Field(default_factory=Advanced)
    writeback: Writeback = Field(default_factory=Writeback)

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready document, every key present (what is stored and shown)."""
        return self.model_dump(mode="json")


SECTIONS: tuple[str, ...] = tuple(
    name for name in IntegrationConfig.model_fields if name != "schema_version"
)
