"""The built-in standard catalog and the loading rules of pipelines.soql.catalog."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.soql.catalog import (
    Catalog,
    CatalogError,
    SObject,
    catalog_from_yaml,
    standard_catalog,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return standard_catalog()


def _obj(catalog: Catalog, name: str) -> SObject:
    obj = catalog.get(name)
    assert obj is not None, f"{name} missing from the catalog"
    return obj


# --- what the standard catalog holds -------------------------------------------------------

KEY_PREFIXES = [
    ("Account", "001"),
    ("Contact", "003"),
    ("Opportunity", "006"),
    ("Contract", "800"),
    ("Case", "500"),
    ("CaseComment", "00a"),
    ("EmailMessage", "02s"),
    ("User", "005"),
    ("Organization", "00D"),
    ("RecordType", "012"),
    ("Profile", "00e"),
    ("UserRole", "00E"),
    ("Task", "00T"),
    ("Event", "00U"),
]

# Business objects: every one carries the full set of audit fields.
RECORD_OBJECTS = [
    "Account",
    "Contact",
    "Opportunity",
    "Contract",
    "Case",
    "CaseComment",
    "EmailMessage",
    "Task",
    "Event",
]
OWNED_OBJECTS = ["Account", "Contact", "Opportunity", "Contract", "Case", "Task", "Event"]


def test_standard_catalog_is_loaded_once_and_shared() -> None:
    assert standard_catalog() is standard_catalog()


@pytest.mark.parametrize(("name", "prefix"), KEY_PREFIXES)
def test_key_prefix(catalog: Catalog, name: str, prefix: str) -> None:
    obj = _obj(catalog, name)
    assert obj.name == name
    assert obj.key_prefix == prefix


def test_currency_type_describes_the_org_currencies(catalog: Catalog) -> None:
    currency = _obj(catalog, "CurrencyType")
    expected = {
        "IsoCode": "picklist",
        "ConversionRate": "double",
        "DecimalPlaces": "int",
        "IsActive": "boolean",
        "IsCorporate": "boolean",
    }
    assert {name: getattr(currency.field(name), "type", None) for name in expected} == expected
    rate = currency.field("ConversionRate")
    assert rate is not None and (rate.precision, rate.scale, rate.nillable) == (18, 6, False)
    assert not currency.deletable


@pytest.mark.parametrize("name", RECORD_OBJECTS)
def test_record_objects_have_the_audit_fields(catalog: Catalog, name: str) -> None:
    obj = _obj(catalog, name)
    expected = {
        "Id": ("id", None),
        "IsDeleted": ("boolean", None),
        "CreatedDate": ("datetime", None),
        "CreatedById": ("reference", "CreatedBy"),
        "LastModifiedDate": ("datetime", None),
        "LastModifiedById": ("reference", "LastModifiedBy"),
        "SystemModstamp": ("datetime", None),
    }
    for field_name, (ftype, relationship) in expected.items():
        f = obj.field(field_name)
        assert f is not None, f"{name}.{field_name} missing"
        assert (f.type, f.relationship_name) == (ftype, relationship), f"{name}.{field_name}"
        assert not f.createable and not f.updateable, f"{name}.{field_name} should be read-only"
        assert not f.nillable, f"{name}.{field_name} should not be nillable"
        if ftype == "reference":
            assert f.reference_to == ("User",)


@pytest.mark.parametrize("name", OWNED_OBJECTS)
def test_owned_objects_have_an_owner(catalog: Catalog, name: str) -> None:
    owner = _obj(catalog, name).field("OwnerId")
    assert owner is not None
    assert owner.type == "reference"
    assert "User" in owner.reference_to
    assert owner.relationship_name == "Owner"
    assert owner.createable and owner.updateable and not owner.nillable
    assert owner.child_relationship_name is None


@pytest.mark.parametrize("name", ["CaseComment", "EmailMessage", "User", "Organization"])
def test_unowned_objects_have_no_owner(catalog: Catalog, name: str) -> None:
    assert _obj(catalog, name).field("OwnerId") is None


@pytest.mark.parametrize(
    "name", ["User", "Organization", "CurrencyType", "RecordType", "Profile", "UserRole"]
)
def test_setup_objects_have_no_is_deleted(catalog: Catalog, name: str) -> None:
    obj = _obj(catalog, name)
    assert obj.field("IsDeleted") is None
    assert obj.field("SystemModstamp") is not None


def test_standard_catalog_has_no_custom_fields(catalog: Catalog) -> None:
    custom = [
        f"{o.name}.{f.name}"
        for o in catalog
        for f in o.iter_fields()
        if f.custom or f.name.lower().endswith("__c")
    ]
    assert custom == []
    assert not any(o.custom for o in catalog)


def test_no_record_type_or_currency_fields_in_a_fresh_org(catalog: Catalog) -> None:
    for obj in catalog:
        assert obj.field("RecordTypeId") is None, obj.name
        assert obj.field("CurrencyIsoCode") is None, obj.name


def test_lookups_ignore_case(catalog: Catalog) -> None:
    account = catalog.get("ACCOUNT")
    assert account is not None and account.name == "Account"
    city = account.field("billingcity")
    assert city is not None and city.name == "BillingCity"
    assert "opportunity" in catalog
    assert "Nonexistent__c" not in catalog


# --- relationships ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "relationship", "field", "targets"),
    [
        ("contact", "account", "AccountId", ("Account",)),
        ("Contact", "ACCOUNT", "AccountId", ("Account",)),
        ("Contact", "ReportsTo", "ReportsToId", ("Contact",)),
        ("Account", "Parent", "ParentId", ("Account",)),
        ("Account", "owner", "OwnerId", ("User",)),
        ("Opportunity", "Account", "AccountId", ("Account",)),
        ("Opportunity", "Contract", "ContractId", ("Contract",)),
        ("Case", "Account", "AccountId", ("Account",)),
        ("Case", "Contact", "ContactId", ("Contact",)),
        ("Case", "Parent", "ParentId", ("Case",)),
        ("Case", "Owner", "OwnerId", ("Group", "User")),
        ("Contract", "Account", "AccountId", ("Account",)),
        ("Contract", "CustomerSigned", "CustomerSignedId", ("Contact",)),
        ("CaseComment", "Parent", "ParentId", ("Case",)),
        ("EmailMessage", "Parent", "ParentId", ("Case",)),
        ("User", "Manager", "ManagerId", ("User",)),
        ("User", "Profile", "ProfileId", ("Profile",)),
        ("User", "UserRole", "UserRoleId", ("UserRole",)),
        ("Task", "What", "WhatId", None),
    ],
)
def test_relationship_resolves_to_its_reference_field(
    catalog: Catalog, obj: str, relationship: str, field: str, targets: tuple[str, ...] | None
) -> None:
    f = _obj(catalog, obj).relationship(relationship)
    assert f is not None, f"{obj}.{relationship}"
    assert f.name == field
    assert f.type == "reference"
    if targets is not None:
        assert f.reference_to == targets


@pytest.mark.parametrize(
    ("obj", "relationship"),
    [
        # Opportunity.ContactId exists but describe gives it no relationship name.
        ("Opportunity", "Contact"),
        ("Account", "Contacts"),  # a child relationship, not a parent one
        ("Account", "AccountId"),
        ("CaseComment", "Owner"),
    ],
)
def test_unknown_relationship_is_none(catalog: Catalog, obj: str, relationship: str) -> None:
    assert _obj(catalog, obj).relationship(relationship) is None


@pytest.mark.parametrize(
    ("parent", "name", "child", "field"),
    [
        ("account", "Contacts", "Contact", "AccountId"),
        ("Account", "contacts", "Contact", "AccountId"),
        ("Account", "ChildAccounts", "Account", "ParentId"),
        ("Account", "Opportunities", "Opportunity", "AccountId"),
        ("Account", "Cases", "Case", "AccountId"),
        ("Account", "Contracts", "Contract", "AccountId"),
        ("Account", "Emails", "EmailMessage", "RelatedToId"),
        ("Account", "Tasks", "Task", "WhatId"),
        ("Contact", "Cases", "Case", "ContactId"),
        ("Contact", "ContractsSigned", "Contract", "CustomerSignedId"),
        ("Contact", "Tasks", "Task", "WhoId"),
        ("Case", "CaseComments", "CaseComment", "ParentId"),
        ("Case", "EmailMessages", "EmailMessage", "ParentId"),
        ("Case", "Cases", "Case", "ParentId"),
        ("Opportunity", "Emails", "EmailMessage", "RelatedToId"),
        ("UserRole", "Users", "User", "UserRoleId"),
    ],
)
def test_child_relationship(
    catalog: Catalog, parent: str, name: str, child: str, field: str
) -> None:
    rel = _obj(catalog, parent).child_relationship(name)
    assert rel is not None, f"{parent}.{name}"
    assert (rel.child_object, rel.field) == (child, field)


def test_audit_references_to_user_add_no_child_relationships(catalog: Catalog) -> None:
    assert _obj(catalog, "User").child_relationships == {}


def test_child_relationship_names_point_back_at_real_fields(catalog: Catalog) -> None:
    for parent in catalog:
        for rel in parent.child_relationships.values():
            f = _obj(catalog, rel.child_object).field(rel.field)
            assert f is not None
            assert parent.name in f.reference_to
            assert f.child_relationship_name == rel.relationship_name


# --- compound fields -------------------------------------------------------------------------

ADDRESSES = [
    ("Account", "BillingAddress", "Billing"),
    ("Account", "ShippingAddress", "Shipping"),
    ("Contact", "MailingAddress", "Mailing"),
    ("Contact", "OtherAddress", "Other"),
    ("Contract", "BillingAddress", "Billing"),
    ("Contract", "ShippingAddress", "Shipping"),
    ("User", "Address", ""),
    ("Organization", "Address", ""),
]
ADDRESS_PARTS = {
    "Street": "textarea",
    "City": "string",
    "State": "string",
    "PostalCode": "string",
    "Country": "string",
    "Latitude": "double",
    "Longitude": "double",
    "GeocodeAccuracy": "picklist",
}


@pytest.mark.parametrize(("obj", "compound", "prefix"), ADDRESSES)
def test_address_components_name_their_compound(
    catalog: Catalog, obj: str, compound: str, prefix: str
) -> None:
    sobject = _obj(catalog, obj)
    address = sobject.field(compound)
    assert address is not None
    assert address.type == "address"
    assert not (address.createable or address.updateable)
    assert not (address.filterable or address.groupable or address.sortable)
    for part, ftype in ADDRESS_PARTS.items():
        f = sobject.field(prefix + part)
        assert f is not None, f"{obj}.{prefix}{part} missing"
        assert f.type == ftype, f"{obj}.{f.name}"
        assert f.compound_field_name == compound, f"{obj}.{f.name}"
    latitude = sobject.field(prefix + "Latitude")
    assert latitude is not None and (latitude.precision, latitude.scale) == (18, 15)
    accuracy = sobject.field(prefix + "GeocodeAccuracy")
    assert accuracy is not None and accuracy.label.startswith(prefix)


@pytest.mark.parametrize(
    ("obj", "compound", "parts"),
    [
        ("Contact", "Name", ["FirstName", "LastName", "Salutation"]),
        ("User", "Name", ["FirstName", "LastName"]),
        ("Opportunity", "Fiscal", ["FiscalQuarter", "FiscalYear"]),
    ],
)
def test_name_and_fiscal_components(
    catalog: Catalog, obj: str, compound: str, parts: list[str]
) -> None:
    sobject = _obj(catalog, obj)
    marked = sorted(f.name for f in sobject.iter_fields() if f.compound_field_name == compound)
    assert marked == parts
    whole = sobject.field(compound)
    assert whole is not None and whole.type == "string"
    assert not (whole.createable or whole.updateable)


# --- flags the SOQL validator relies on ------------------------------------------------------


# fmt: off
FIELD_FLAGS = [
    # Long text areas can be selected, nothing else.
    ("Account.Description", {"type": "textarea", "length": 32000, "filterable": False, "groupable": False, "sortable": False}),
    ("Case.Description", {"filterable": False, "groupable": False, "sortable": False}),
    ("EmailMessage.HtmlBody", {"length": 131072, "filterable": False}),
    ("Account.BillingStreet", {"type": "textarea", "length": 255, "filterable": True, "groupable": True}),
    ("Case.Comments", {"length": 4000, "filterable": False, "groupable": False}),
    ("CaseComment.CommentBody", {"filterable": True, "groupable": False}),
    # Money, percentages and datetimes are not groupable; ints and dates are.
    ("Opportunity.Amount", {"type": "currency", "precision": 18, "scale": 2, "groupable": False, "filterable": True}),
    ("Account.AnnualRevenue", {"type": "currency", "precision": 18, "scale": 0, "groupable": False}),
    ("Opportunity.Probability", {"type": "percent", "precision": 3, "scale": 0, "groupable": False}),
    ("Opportunity.CreatedDate", {"type": "datetime", "groupable": False, "sortable": True}),
    ("Opportunity.CloseDate", {"type": "date", "groupable": True, "nillable": False}),
    ("Account.NumberOfEmployees", {"type": "int", "digits": 8, "groupable": True}),
    ("Opportunity.StageName", {"type": "picklist", "groupable": True, "nillable": False}),
    # Read-only values Salesforce maintains; describe does not flag them as formulas.
    ("Opportunity.ExpectedRevenue", {"type": "currency", "calculated": False, "createable": False, "updateable": False}),
    ("Opportunity.IsClosed", {"type": "boolean", "calculated": False, "createable": False, "updateable": False}),
    ("Opportunity.IsWon", {"type": "boolean", "calculated": False, "createable": False}),
    ("Opportunity.ForecastCategory", {"createable": False, "nillable": False}),
    ("Opportunity.ForecastCategoryName", {"createable": True, "updateable": True}),
    ("Case.IsClosed", {"type": "boolean", "calculated": False, "createable": False, "updateable": False}),
    ("Case.CaseNumber", {"createable": False, "updateable": False, "nillable": False}),
    ("Contact.Name", {"type": "string", "length": 121, "createable": False, "updateable": False}),
    ("Contact.LastName", {"nillable": False, "createable": True}),
    ("Opportunity.ContactId", {"createable": True, "updateable": False, "relationship_name": None}),
    ("Contract.Status", {"nillable": False, "createable": True}),
    ("Contract.EndDate", {"createable": False, "updateable": False}),
    ("User.Username", {"unique": True, "case_sensitive": False, "nillable": False, "length": 80}),
    ("Account.Id", {"type": "id", "nillable": False, "createable": False, "updateable": False, "external_id": False}),
    ("Account.IsPartner", {"nillable": False, "default_value": False}),
    ("User.IsActive", {"default_value": True}),
    ("Organization.FiscalYearStartMonth", {"type": "int", "createable": False, "updateable": False}),
]
# fmt: on


@pytest.mark.parametrize(("path", "expected"), FIELD_FLAGS)
def test_field_flags(catalog: Catalog, path: str, expected: dict[str, Any]) -> None:
    obj_name, field_name = path.split(".")
    f = _obj(catalog, obj_name).field(field_name)
    assert f is not None, path
    actual = {attr: getattr(f, attr) for attr in expected}
    assert actual == expected


def test_booleans_are_never_nillable(catalog: Catalog) -> None:
    nillable = [
        f"{o.name}.{f.name}"
        for o in catalog
        for f in o.iter_fields()
        if f.type == "boolean" and f.nillable
    ]
    assert nillable == []


def test_no_field_is_an_external_id(catalog: Catalog) -> None:
    assert not any(f.external_id for o in catalog for f in o.iter_fields())


# --- picklists -------------------------------------------------------------------------------


# fmt: off
PICKLIST_VALUES = [
    ("Account.Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"]),
    ("Account.Rating", ["Hot", "Warm", "Cold"]),
    ("Account.Ownership", ["Public", "Private", "Subsidiary", "Other"]),
    ("Opportunity.StageName", ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]),
    ("Opportunity.Type", ["Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"]),
    ("Opportunity.ForecastCategoryName", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]),
    ("Opportunity.LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]),
    ("Contact.Salutation", ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]),
    ("Case.Status", ["New", "Working", "Escalated", "Closed"]),
    ("Case.Priority", ["High", "Medium", "Low"]),
    ("Case.Origin", ["Phone", "Email", "Web"]),
    ("Contract.Status", ["Draft", "In Approval Process", "Activated"]),
    ("EmailMessage.Status", ["0", "1", "2", "3", "4", "5"]),
]
# fmt: on


@pytest.mark.parametrize(("path", "values"), PICKLIST_VALUES)
def test_picklist_values(catalog: Catalog, path: str, values: list[str]) -> None:
    obj_name, field_name = path.split(".")
    f = _obj(catalog, obj_name).field(field_name)
    assert f is not None, path
    assert [v.value for v in f.picklist_values] == values


# fmt: off
PICKLIST_LABELS = [
    ("EmailMessage.Status", {"0": "New", "1": "Read", "2": "Replied", "3": "Sent", "4": "Forwarded", "5": "Draft"}),
    ("Opportunity.ForecastCategory", {"Omitted": "Omitted", "Pipeline": "Pipeline", "BestCase": "Best Case", "MostLikely": "Most Likely", "Forecast": "Commit", "Closed": "Closed"}),
    ("Account.CleanStatus", {"Matched": "In Sync", "Acknowledged": "Reviewed", "NotFound": "Not Found", "Pending": "Not Compared"}),
]
# fmt: on


@pytest.mark.parametrize(("path", "labels"), PICKLIST_LABELS)
def test_picklist_labels(catalog: Catalog, path: str, labels: dict[str, str]) -> None:
    obj_name, field_name = path.split(".")
    f = _obj(catalog, obj_name).field(field_name)
    assert f is not None, path
    actual = {v.value: v.label for v in f.picklist_values}
    assert {value: actual.get(value) for value in labels} == labels


# fmt: off
PICKLIST_DEFAULTS = [("Case.Status", "New"), ("Case.Priority", "Medium"), ("Task.Status", "Not Started"), ("Account.Type", None)]
# fmt: on


@pytest.mark.parametrize(("path", "default"), PICKLIST_DEFAULTS)
def test_picklist_default(catalog: Catalog, path: str, default: str | None) -> None:
    obj_name, field_name = path.split(".")
    f = _obj(catalog, obj_name).field(field_name)
    assert f is not None, path
    defaults = [v.value for v in f.picklist_values if v.default]
    assert defaults == ([default] if default else [])


# --- malformed schemas -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "fragments"),
    [
        pytest.param(
            {"Account": {"fields": {"Tier__c": {"type": "picklist", "colour": "red"}}}},
            ["Account.Tier__c", "unknown attribute", "colour"],
            id="unknown-attribute",
        ),
        pytest.param(
            {"Account": {"fields": {"Tier__c": {"type": "text"}}}},
            ["Account.Tier__c", "unknown type 'text'"],
            id="unknown-type",
        ),
        pytest.param(
            {
                "Account": {
                    "fields": {"CSM__c": {"type": "reference", "relationshipName": "CSM__r"}}
                }
            },
            ["Account.CSM__c", "referenceTo"],
            id="reference-without-target",
        ),
        pytest.param(
            {"Account": {"fields": {"Tier__c": "picklist"}}},
            ["Account.Tier__c", "mapping"],
            id="field-not-a-mapping",
        ),
        pytest.param(
            {"Account": {"fields": ["Tier__c"]}},
            ["Account", "'fields' must be a mapping"],
            id="fields-not-a-mapping",
        ),
        pytest.param(
            {"Account": ["Tier__c"]},
            ["object Account", "expected a mapping"],
            id="object-not-a-mapping",
        ),
        pytest.param(
            ["Account"], ["expected a mapping of object names"], id="document-not-a-mapping"
        ),
        pytest.param(
            {"Account": {"fields": {"Tier__c": {"type": "string", "nillable": "no"}}}},
            ["Account.Tier__c", "'nillable'", "true or false"],
            id="boolean-attribute-as-text",
        ),
        pytest.param(
            {"Account": {"fields": {"Tier__c": {"type": "string", "length": "255"}}}},
            ["Account.Tier__c", "'length'", "whole number"],
            id="length-as-text",
        ),
        pytest.param(
            {"Account": {"fields": {"CSM__c": {"type": "reference", "referenceTo": {"User": 1}}}}},
            ["Account.CSM__c", "'referenceTo'"],
            id="reference-target-not-a-name",
        ),
        pytest.param(
            {"Account": {"fields": {"Tier__c": {"type": "picklist", "picklistValues": "Gold"}}}},
            ["Account.Tier__c", "'picklistValues' must be a list"],
            id="picklist-values-not-a-list",
        ),
        pytest.param(
            {
                "Account": {
                    "fields": {
                        "Tier__c": {"type": "picklist", "picklistValues": [{"label": "Gold"}]}
                    }
                }
            },
            ["Account.Tier__c", "picklist values"],
            id="picklist-value-without-value",
        ),
        pytest.param(
            {"Widget__c": {"keyPrefix": 1, "fields": {}}},
            ["Widget__c", "keyPrefix", "quoted"],
            id="key-prefix-not-a-string",
        ),
    ],
)
def test_malformed_schema_names_object_and_field(doc: Any, fragments: list[str]) -> None:
    with pytest.raises(CatalogError) as excinfo:
        Catalog.from_mapping(doc, source="org/schema.yaml")
    message = str(excinfo.value)
    assert message.startswith("org/schema.yaml: ")
    for fragment in fragments:
        assert fragment in message


def test_unquoted_key_prefix_is_rejected() -> None:
    # YAML reads 001 as the octal number 1: "001" can't be recovered, so it must be quoted.
    with pytest.raises(
        CatalogError, match=r'Widget__c: keyPrefix must be a quoted string such as "001"'
    ):
        catalog_from_yaml("Widget__c:\n  keyPrefix: 001\n  fields: {}\n")


def test_invalid_yaml_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match=r"^schema\.yaml: not valid YAML"):
        catalog_from_yaml("Account:\n  fields: {Tier__c: [\n")


def test_duplicate_child_relationship_name_is_rejected() -> None:
    schema = """
Widget__c:
  fields:
    Account__c: {type: reference, referenceTo: Account, relationshipName: Account__r, childRelationshipName: Contacts}
"""
    with pytest.raises(CatalogError) as excinfo:
        catalog_from_yaml(schema, base=standard_catalog())
    message = str(excinfo.value)
    for fragment in ("Contacts", "Account", "Contact.AccountId", "Widget__c.Account__c"):
        assert fragment in message


# --- org schemas laid over the standard catalog ----------------------------------------------

CUSTOMER_SUCCESS_SCHEMA = """
Account:
  fields:
    CSM__c: {type: reference, label: CSM, referenceTo: User, relationshipName: CSM__r}
    Health_Score__c: {type: percent, precision: 3, scale: 0}
    Contract_End_Date__c: {type: date}
Opportunity:
  fields:
    Renewal_Date__c: {type: date, label: Renewal Date}
Account_Health__c:
  label: Account Health
  keyPrefix: a01
  fields:
    Id: {type: id}
    Name: {type: string, length: 80, nillable: false}
    Account__c:
      type: reference
      referenceTo: Account
      relationshipName: Account__r
      childRelationshipName: Account_Healths__r
    Score__c: {type: double, precision: 5, scale: 2}
    Notes__c: {type: textarea, length: 32768}
"""


@pytest.fixture(scope="module")
def merged() -> Catalog:
    return catalog_from_yaml(CUSTOMER_SUCCESS_SCHEMA, base=standard_catalog())


def test_custom_fields_join_the_standard_object(merged: Catalog) -> None:
    account = _obj(merged, "Account")
    csm = account.relationship("csm__r")
    assert csm is not None
    assert (csm.name, csm.reference_to, csm.custom, csm.label) == ("CSM__c", ("User",), True, "CSM")
    health = account.field("health_score__c")
    assert health is not None and health.custom and not health.groupable
    # The standard fields, labels and key prefix are all still there.
    assert account.field("BillingCity") is not None
    assert account.relationship("Owner") is not None
    assert (account.label, account.label_plural, account.key_prefix) == (
        "Account",
        "Accounts",
        "001",
    )


def test_schema_without_labels_keeps_the_standard_ones(merged: Catalog) -> None:
    opportunity = _obj(merged, "Opportunity")
    assert (opportunity.label, opportunity.label_plural) == ("Opportunity", "Opportunities")
    assert opportunity.field("Renewal_Date__c") is not None


def test_custom_object_and_its_child_relationship(merged: Catalog) -> None:
    health = _obj(merged, "account_health__c")
    assert health.custom
    assert (health.label, health.label_plural, health.key_prefix) == (
        "Account Health",
        "Account Healths",
        "a01",
    )
    lookup = health.relationship("Account__r")
    assert lookup is not None and lookup.name == "Account__c"
    notes = health.field("Notes__c")
    assert notes is not None and not (notes.filterable or notes.groupable or notes.sortable)

    account = _obj(merged, "Account")
    rel = account.child_relationship("account_healths__r")
    assert rel is not None
    assert (rel.relationship_name, rel.child_object, rel.field) == (
        "Account_Healths__r",
        "Account_Health__c",
        "Account__c",
    )
    # The standard child relationships survive the merge.
    contacts = account.child_relationship("Contacts")
    assert contacts is not None and contacts.child_object == "Contact"


def test_merging_leaves_the_standard_catalog_untouched(merged: Catalog) -> None:
    standard_account = _obj(standard_catalog(), "Account")
    assert standard_account.field("CSM__c") is None
    assert standard_account.child_relationship("Account_Healths__r") is None
    assert "Account_Health__c" not in standard_catalog()
    assert _obj(merged, "Account") is not standard_account


def test_schema_can_relabel_a_standard_object() -> None:
    relabelled = catalog_from_yaml("Opportunity:\n  label: Deal\n", base=standard_catalog())
    opportunity = _obj(relabelled, "Opportunity")
    assert (opportunity.label, opportunity.label_plural) == ("Deal", "Deals")
    assert opportunity.field("StageName") is not None


def test_schema_without_base_holds_only_its_own_objects() -> None:
    alone = catalog_from_yaml(CUSTOMER_SUCCESS_SCHEMA)
    assert sorted(o.name for o in alone) == ["Account", "Account_Health__c", "Opportunity"]
    assert sorted(f.name for f in _obj(alone, "Account").iter_fields()) == [
        "CSM__c",
        "Contract_End_Date__c",
        "Health_Score__c",
    ]


def test_empty_schema_is_an_empty_catalog() -> None:
    assert list(catalog_from_yaml("")) == []


# fmt: off
TYPE_DEFAULTS = [
    ({"type": "currency", "precision": 18, "scale": 2}, {"groupable": False, "filterable": True, "sortable": True}),
    ({"type": "double", "precision": 18, "scale": 4}, {"groupable": False}),
    ({"type": "datetime"}, {"groupable": False, "sortable": True}),
    ({"type": "date"}, {"groupable": True}),
    ({"type": "int", "digits": 9}, {"groupable": True}),
    ({"type": "boolean"}, {"nillable": False, "groupable": True}),
    ({"type": "textarea", "length": 131072}, {"filterable": False, "groupable": False, "sortable": False}),
    ({"type": "multipicklist", "picklistValues": ["AMER", "EMEA"]}, {"filterable": True, "groupable": False, "sortable": False}),
    ({"type": "location"}, {"filterable": False, "createable": False, "updateable": False}),
    ({"type": "id"}, {"nillable": False, "createable": False, "updateable": False}),
    ({"type": "double", "calculated": True, "formula": "Amount__c * 2"}, {"createable": False, "updateable": False}),
    ({"type": "currency", "groupable": True}, {"groupable": True}),
]
# fmt: on


@pytest.mark.parametrize(("field_doc", "expected"), TYPE_DEFAULTS)
def test_describe_defaults_by_type(field_doc: dict[str, Any], expected: dict[str, Any]) -> None:
    loaded = Catalog.from_mapping({"Widget__c": {"fields": {"Value__c": field_doc}}})
    f = _obj(loaded, "Widget__c").field("Value__c")
    assert f is not None
    assert {attr: getattr(f, attr) for attr in expected} == expected
