"""The demo org's people: profiles, the role hierarchy and users with customer-success jobs.

Teams scale with the org (one CSM per ~60 accounts, one AE per ~90, one support agent per ~70,
…), a few users have left (inactive, yet still own records), and three service users stand in
for the integration, email-to-case and the customer community.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from pipelines.sandbox import demo_vocab as vocab
from pipelines.sandbox.demo_columns import MS_DAY, MS_HOUR

if TYPE_CHECKING:
    from pipelines.sandbox.generator import DemoOrg

_OFFICES = ("San Francisco", "New York", "Chicago", "London", "Dublin", "Sydney", "Toronto")


@dataclass
class Users:
    """Who can own and touch records, by role key (``csm``, ``ae``, ``agent``, …)."""

    integration: str  # the integration user: data migration and weekly write-backs
    email_service: str  # creates email-to-case cases and incoming emails
    community: str  # the customer community: customer comments and web cases
    ids: dict[str, pa.Array]
    active: dict[str, np.ndarray]
    first_names: dict[str, pa.Array]

    def pick(
        self, rng: np.random.Generator, role: str, n: int, inactive_share: float = 0.03
    ) -> np.ndarray:
        """Indices into a role's users: mostly active ones, with uneven portfolio sizes."""
        active = np.flatnonzero(self.active[role])
        inactive = np.flatnonzero(~self.active[role])
        pool = active if active.size else np.arange(len(self.active[role]))
        weights = 0.5 + rng.random(pool.size)
        picked = pool[rng.choice(pool.size, size=n, p=weights / weights.sum())]
        if inactive.size and inactive_share:
            swap = rng.random(n) < inactive_share
            picked = np.where(swap, inactive[rng.integers(0, inactive.size, n)], picked)
        return picked


def create_users(org: DemoOrg) -> Users:
    """Load profiles, roles and users (a few thousand rows at most, so plain records)."""
    rng = org.rng("User")
    store = org.store
    hired_early = org.go_live - 20 * MS_DAY
    profile_rows = [{"Name": p} for p in vocab.PROFILES]
    profiles: dict[str, str | None] = dict(
        zip(
            vocab.PROFILES,
            store.load_records("Profile", profile_rows, now=org.moment(hired_early)),
            strict=True,
        )
    )
    admin_profile = store.find_ids("Profile", "Name", "System Administrator")
    profiles["System Administrator"] = admin_profile[0] if admin_profile else None
    role_keys = [r[0] for r in vocab.USER_ROLES]
    role_ids = dict(zip(role_keys, store.new_ids("UserRole", len(role_keys)), strict=True))
    store.load_records(
        "UserRole",
        [
            {
                "Id": role_ids[key],
                "Name": name,
                "DeveloperName": name.replace(" ", "_"),
                "ParentRoleId": role_ids[parent] if parent else None,
                "OpportunityAccessForAccountOwner": "Edit",
                "CaseAccessForAccountOwner": "Edit",
                "ContactAccessForAccountOwner": "Edit",
            }
            for key, name, parent, *_ in vocab.USER_ROLES
        ],
        now=org.moment(hired_early),
    )
    offices = [c for c in vocab.CITIES if c.city in _OFFICES]
    rows: list[dict[str, Any]] = []
    usernames: dict[str, int] = {}
    by_role: dict[str, list[int]] = {}

    def add(
        first: str, last: str, job: tuple[str | None, str, str, str], hired: int, active: bool
    ) -> None:
        role, profile, title, department = job
        local = f"{first}.{last}".lower().replace(" ", "")
        seen = usernames.get(local, 0)
        usernames[local] = seen + 1
        if seen:
            local = f"{local}{seen + 1}"
        office = offices[int(rng.integers(0, len(offices)))]
        last_login = org.ref - int(rng.integers(1, 30 * 24)) * MS_HOUR
        modified = hired
        if not active:  # left the company: last seen a while ago, deactivated a few days later
            last_login = max(hired, min(hired + 200 * MS_DAY, org.ref - 40 * MS_DAY))
            modified = last_login + 3 * MS_DAY
        rows.append(
            {
                "Username": f"{local}@sandbox.local",
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Alias": (first[:1] + last)[:8].lower(),
                "CommunityNickname": local,
                "Email": f"{local}@sandbox.local",
                "IsActive": active,
                "ProfileId": profiles.get(profile),
                "UserRoleId": role_ids.get(role) if role else None,
                "Title": title,
                "Department": department,
                "CompanyName": "sfsync Demo",
                "City": office.city,
                "State": office.state,
                "Country": office.country,
                "Phone": office.phone + str(int(rng.integers(1000, 9999))),
                "TimeZoneSidKey": office.time_zone,
                "LocaleSidKey": "en_GB"
                if office.country in ("United Kingdom", "Ireland")
                else "en_US",
                "LanguageLocaleKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "UserType": "CspLitePortal" if profile == "Customer Community" else "Standard",
                "EmployeeNumber": f"E{len(rows) + 1001}",
                "CreatedDate": org.moment(hired),
                "LastModifiedDate": org.moment(modified),
                "SystemModstamp": org.moment(modified),
                "LastLoginDate": org.moment(last_login),
                "CreatedById": org.store.admin_user_id,
                "LastModifiedById": org.store.admin_user_id,
            }
        )
        if role:
            by_role.setdefault(role, []).append(len(rows) - 1)

    add(
        "Integration",
        "User",
        (None, "API Only Integration", "Integration User", "IT"),
        hired_early,
        True,
    )
    add(
        "Support",
        "Email Service",
        (None, "API Only Integration", "Email-to-Case", "Support"),
        hired_early,
        True,
    )
    add(
        "Customer",
        "Community",
        (None, "Customer Community", "Customer Portal", "Support"),
        hired_early,
        True,
    )
    first_names = vocab.FEMALE_FIRST_NAMES + vocab.MALE_FIRST_NAMES
    for key, _name, _parent, profile, title, department, per_user, minimum in vocab.USER_ROLES:
        count = max(minimum, math.ceil(org.n / per_user)) if per_user else minimum
        for _ in range(count):
            later = int(org.spread(rng, 1, org.go_live, org.ref - 60 * MS_DAY)[0])
            hired = hired_early if rng.random() < 0.6 else later
            active = count <= 2 or rng.random() >= 0.06
            first = first_names[int(rng.integers(0, len(first_names)))]
            last = vocab.LAST_NAMES[int(rng.integers(0, len(vocab.LAST_NAMES)))]
            add(first, last, (key, profile, title, department), hired, active)
    ids = store.new_ids("User", len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["Id"] = new_id
    for key, _name, parent, *_ in vocab.USER_ROLES:
        if parent is not None:
            bosses = by_role[parent]
            for i in by_role[key]:
                rows[i]["ManagerId"] = rows[bosses[int(rng.integers(0, len(bosses)))]]["Id"]
    user = store.sobject("User")
    store.load_records("User", [{k: v for k, v in r.items() if user.field(k)} for r in rows])

    def column(key: str, members: list[int]) -> pa.Array:
        return pa.array([rows[i][key] for i in members], type=pa.string())

    return Users(
        integration=ids[0],
        email_service=ids[1],
        community=ids[2],
        ids={role: column("Id", members) for role, members in by_role.items()},
        active={
            role: np.array([rows[i]["IsActive"] for i in members])
            for role, members in by_role.items()
        },
        first_names={role: column("FirstName", members) for role, members in by_role.items()},
    )
