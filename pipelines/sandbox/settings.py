"""Org-wide settings of a sandbox org: what a client can observe about the org as a whole.

They are persisted in the data directory's ``org.yaml`` and mirrored in the ``Organization``
record; the SOQL engine reads the time zone and fiscal year from them.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from pipelines.sandbox import ids, rules


@dataclass
class OrgSettings:
    """Org-wide settings a client can observe (Organization fields, date literals, currencies)."""

    org_id: str
    org_name: str = "sfsync Sandbox"
    time_zone: str = "America/Los_Angeles"
    fiscal_year_start_month: int = 1
    fiscal_year_named_by_start: bool = False
    multi_currency: bool = False
    corporate_currency: str = "USD"
    admin_user_id: str | None = None
    locale: str = "en_US"

    @classmethod
    def new(cls, seed: int | str = 0, **overrides: Any) -> OrgSettings:
        """Settings with an org id derived from ``seed`` (the same seed gives the same org id)."""
        counter = zlib.crc32(str(seed).encode("utf-8")) % (62**6)
        return cls(org_id=ids.make_id("00D", counter), **overrides)

    @property
    def org_id_15(self) -> str:
        return self.org_id[:15]

    def to_mapping(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> OrgSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})

    def rule_context(self) -> rules.OrgContext:
        return rules.OrgContext(self.fiscal_year_start_month, self.fiscal_year_named_by_start)

    def organization_record(self) -> dict[str, Any]:
        """The ``Organization`` record these settings describe."""
        return {
            "Id": self.org_id,
            "Name": self.org_name,
            "TimeZoneSidKey": self.time_zone,
            "DefaultLocaleSidKey": self.locale,
            "LanguageLocaleKey": "en_US",
            "FiscalYearStartMonth": self.fiscal_year_start_month,
            "UsesStartDateAsFiscalYearName": self.fiscal_year_named_by_start,
            "OrganizationType": "Enterprise Edition",
            "InstanceName": "SB0",
            "IsSandbox": False,
            "DefaultAccountAccess": "Edit",
            "DefaultContactAccess": "ControlledByParent",
            "DefaultOpportunityAccess": "None",
            "DefaultCaseAccess": "None",
        }
