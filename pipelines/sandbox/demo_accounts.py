"""Demo accounts (companies) and their contacts (people).

Accounts carry what a customer-success org adds to Salesforce: CSM / TAM / onboarding-manager
lookups to users, tier, ARR, contract end date, regions, an external id for write-back, and a
health score with its risk flag. Other objects hang off them, so :class:`Accounts` keeps the
columns the later phases need (ids, owners, tier, currency, customer-since date, …).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sandbox import demo_vocab as vocab
from pipelines.sandbox.demo_columns import (
    MS_DAY,
    MS_HOUR,
    Lifecycle,
    choice,
    date,
    days,
    either,
    group_rank,
    join,
    keep,
    num,
    padded,
    reorder,
    rows_of,
    take,
    text,
)

if TYPE_CHECKING:
    from pipelines.sandbox.generator import DemoOrg

ACCOUNT_TYPES = (
    ("Customer", 0.42),
    ("Customer - Direct", 0.08),
    ("Customer - Channel", 0.03),
    ("Prospect", 0.22),
    ("Partner", 0.05),
    ("Channel Partner / Reseller", 0.03),
    ("Technology Partner", 0.02),
    ("Other", 0.03),
    (None, 0.12),
)
CUSTOMER_TYPES = 3  # the first three account types are customers
PROSPECT = 3
PARTNER_TYPES = (4, 5, 6)
TIERS = ("Strategic", "Enterprise", "Mid-Market", "SMB")


@dataclass
class Accounts:
    """Generated accounts, in id order; ``columns`` is loaded once contracts have filled in
    ``Contract_End_Date__c``."""

    columns: dict[str, Any]
    life: Lifecycle
    ids: pa.Array
    name: pa.Array
    owner: pa.Array
    csm: pa.Array
    onboarding: pa.Array
    domain: pa.Array
    street: pa.Array
    postal: pa.Array
    country: pa.Array
    currency: pa.Array | None
    type: np.ndarray
    customer: np.ndarray
    tier: np.ndarray
    since: np.ndarray  # when the account became a customer (ms)
    arr: np.ndarray  # annual recurring revenue in USD
    rate: np.ndarray  # units of the account's currency per USD
    whole_units: np.ndarray  # the account's currency has no cents (JPY)
    health: np.ndarray  # current health score (70 where unscored)
    city: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def money(self, usd: np.ndarray, account: np.ndarray | None = None) -> np.ndarray:
        """USD amounts in each account's currency, rounded as the currency is."""
        rate = self.rate if account is None else self.rate[account]
        whole = self.whole_units if account is None else self.whole_units[account]
        local = usd * rate
        return np.where(whole, np.round(local), np.round(local, 2))


def generate_accounts(org: DemoOrg) -> Accounts:
    rng = org.rng("Account")
    n = org.n
    # Almost half came with the initial data migration; the rest were created since, more of
    # them recently (the business grows).
    imported = rng.random(n) < 0.45
    created = org.spread(rng, n, org.go_live + MS_DAY, org.ref - MS_DAY, growth=0.6)
    created[imported] = org.imports(int(imported.sum()), org.go_live + 2 * MS_HOUR)
    created, imported = reorder(np.argsort(created, kind="stable"), created, imported)
    ids = org.new_ids("Account", n)

    type_idx = choice(rng, [w for _, w in ACCOUNT_TYPES], n)
    customer = type_idx < CUSTOMER_TYPES
    partner = np.isin(type_idx, PARTNER_TYPES)
    cities = vocab.CITIES
    city_idx = choice(rng, [c.weight for c in cities], n)

    def city(attr: str) -> pa.Array:
        return take([getattr(c, attr) for c in cities], city_idx)

    employees = np.clip(np.round(10 ** rng.normal(2.3, 0.75, n)), 2, 400_000).astype(np.int64)
    revenue = np.round(employees * 10 ** rng.normal(5.25, 0.25, n), -3)
    tier = np.select([employees >= 5000, employees >= 1000, employees >= 200], [0, 1, 2], 3)
    typical_arr = np.array([900_000.0, 220_000.0, 60_000.0, 14_000.0])[tier]
    arr = np.round(typical_arr * np.exp(rng.normal(0, 0.45, n)), -2)
    migrated_since = org.go_live - (rng.random(n) * 2 * 365 * MS_DAY).astype(np.int64)
    won_since = created + (rng.uniform(10, 120, n) * MS_DAY).astype(np.int64)
    since = np.where(imported, migrated_since, np.minimum(won_since, org.ref - MS_DAY))
    scored = customer & (rng.random(n) < 0.65)
    health = np.round(100 * rng.beta(5.0, 2.4, n))

    life = org.lifecycle(rng, created, touched=0.7)
    # The latest weekly write-back of health scores touched nearly every scored account in the
    # same millisecond: the biggest SystemModstamp tie an extractor will meet.
    runs = org.integration_runs
    last_run = runs[np.searchsorted(runs, org.ref, side="left") - 1]
    write_back = scored & (rng.random(n) < 0.8) & (life.modified < last_run)
    life.touch(np.full(n, last_run), write_back)
    life.by_integration = write_back

    name, slug, head = _company_names(rng, n)
    domain = join(slug, city("tld"))
    us = np.array([c.country == "United States" for c in cities])[city_idx]
    spelling = choice(rng, [w for _, w in vocab.US_COUNTRY_VARIANTS], n)
    country = either(us, take([v for v, _ in vocab.US_COUNTRY_VARIANTS], spelling), city("country"))
    postal = either(us, join(city("postal"), padded(rng.integers(0, 100, n), 2)), city("postal"))
    street = join(
        text(pa.array(rng.integers(1, 2400, n))),
        " ",
        take(vocab.STREET_NAMES, rng.integers(0, len(vocab.STREET_NAMES), n)),
        " ",
        take(vocab.STREET_TYPES, rng.integers(0, len(vocab.STREET_TYPES), n)),
    )
    geocoded = rng.random(n) < 0.7
    lat = np.round(np.array([c.lat for c in cities])[city_idx] + rng.normal(0, 0.03, n), 6)
    lon = np.round(np.array([c.lon for c in cities])[city_idx] + rng.normal(0, 0.03, n), 6)
    shipping_too = rng.random(n) < 0.6

    # Regions__c: the home region, sometimes more; ';'-joined in picklist order.
    bits = 1 << np.array([vocab.REGIONS.index(c.region) for c in cities])[city_idx]
    bits |= np.where(rng.random(n) < 0.2, 1 << rng.integers(0, 4, n), 0)
    bits |= np.where(rng.random(n) < 0.05, 1 << rng.integers(0, 4, n), 0)
    region_sets = [
        ";".join(r for i, r in enumerate(vocab.REGIONS) if b >> i & 1) for b in range(16)
    ]
    regions = take(region_sets, bits, ~(customer | (rng.random(n) < 0.3)))

    parent = np.full(n, -1, dtype=np.int64)  # a few subsidiaries of older accounts
    child = (np.arange(n) > 10) & (rng.random(n) < 0.03)
    parent[child] = (rng.random(int(child.sum())) * np.flatnonzero(child)).astype(np.int64)

    users = org.users
    owner = pc.take(users.ids["ae"], pa.array(users.pick(rng, "ae", n, inactive_share=0.04)))
    csm_idx = users.pick(rng, "csm", n, inactive_share=0.02)
    has_csm = (customer & (rng.random(n) < 0.92)) | (partner & (rng.random(n) < 0.3))
    tam_idx = users.pick(rng, "tam", n)
    has_tam = customer & (rng.random(n) < np.array([0.85, 0.85, 0.3, 0.05])[tier])
    onboarding_idx = users.pick(rng, "onboarding", n)
    recent = since > org.ref - 365 * MS_DAY
    has_onboarding = customer & (rng.random(n) < np.where(recent, 0.9, 0.2))
    csm = pc.take(users.ids["csm"], pa.array(csm_idx, mask=~has_csm))
    onboarding = pc.take(users.ids["onboarding"], pa.array(onboarding_idx, mask=~has_onboarding))

    if org.multi_currency:
        currency: pa.Array | None = city("currency")
        rate = np.array([org.rates.get(c.currency, 1.0) for c in cities])[city_idx]
        whole_units = np.array([c.currency == "JPY" for c in cities])[city_idx]
    else:
        currency, rate, whole_units = None, np.ones(n), np.zeros(n, dtype=bool)

    org.delete(rng, life, ids, 0.006, eligible=~customer)  # only prospects and the like
    creator = either(imported, pa.scalar(users.integration), owner)
    modifier = either(life.by_integration & ~life.deleted, pa.scalar(users.integration), owner)
    public = (employees > 2000) & (rng.random(n) < 0.5)
    ownership = np.where(public, 0, choice(rng, [0.0, 0.6, 0.15, 0.05, 0.2], n))
    industry = org.store.sobject("Account").field("Industry")
    industries = [v.value for v in industry.picklist_values] if industry else ["Other"]
    accounts = Accounts(
        columns={},
        life=life,
        ids=ids,
        name=name,
        owner=owner,
        csm=csm,
        onboarding=onboarding,
        domain=domain,
        street=street,
        postal=postal,
        country=country,
        currency=currency,
        type=type_idx,
        customer=customer,
        tier=tier,
        since=since,
        arr=arr,
        rate=rate,
        whole_units=whole_units,
        health=np.where(scored, health, 70.0),
        city=city_idx,
    )
    accounts.columns = {
        "Id": ids,
        "Name": name,
        "Type": take([t for t, _ in ACCOUNT_TYPES], type_idx),
        "ParentId": rows_of(ids, parent),
        "BillingStreet": street,
        "BillingCity": city("city"),
        "BillingState": city("state"),
        "BillingPostalCode": postal,
        "BillingCountry": country,
        "BillingLatitude": num(lat, ~geocoded),
        "BillingLongitude": num(lon, ~geocoded),
        "BillingGeocodeAccuracy": take(["Address"], np.zeros(n, dtype=np.int64), ~geocoded),
        "ShippingStreet": keep(shipping_too, street),
        "ShippingCity": keep(shipping_too, city("city")),
        "ShippingState": keep(shipping_too, city("state")),
        "ShippingPostalCode": keep(shipping_too, postal),
        "ShippingCountry": keep(shipping_too, country),
        "Phone": join(city("phone"), padded(rng.integers(0, 10_000, n), 4)),
        "AccountNumber": join("AC-", padded(np.arange(1, n + 1) * 7 + 10_000, 7)),
        "Website": join("www.", domain),
        "Industry": take(industries, rng.integers(0, len(industries), n), rng.random(n) < 0.05),
        "AnnualRevenue": num(accounts.money(revenue), rng.random(n) < 0.1),
        "NumberOfEmployees": num(employees, rng.random(n) < 0.05),
        "Ownership": take(["Public", "Private", "Subsidiary", "Other", None], ownership),
        "TickerSymbol": keep(public, pc.utf8_upper(pc.utf8_slice_codeunits(head, 0, 4))),
        "Rating": take(["Hot", "Warm", "Cold", None], choice(rng, [0.15, 0.3, 0.2, 0.35], n)),
        "AccountSource": take(vocab.LEAD_SOURCES, rng.integers(0, 5, n), rng.random(n) < 0.3),
        "YearStarted": text(pa.array(rng.integers(1950, 2022, n), mask=rng.random(n) < 0.6)),
        "OwnerId": owner,
        "CreatedById": creator,
        "LastModifiedById": modifier,
        "CSM__c": csm,
        "TAM__c": pc.take(users.ids["tam"], pa.array(tam_idx, mask=~has_tam)),
        "Onboarding_Manager__c": onboarding,
        "Regions__c": regions,
        "External_Id__c": join("EXT-", padded(np.arange(1, n + 1), 7)),
        "Health_Score__c": num(health, ~scored),
        "Risk_Flag__c": pa.array(scored & (health < 45)),
        "Churn_Risk__c": take(
            ["High", "Medium", "Low"], np.select([health < 45, health < 70], [0, 1], 2), ~scored
        ),
        "Tier__c": take(TIERS, tier, ~customer & (rng.random(n) < 0.8)),
        "ARR__c": num(accounts.money(arr), ~customer),
    }
    if currency is not None:
        accounts.columns["CurrencyIsoCode"] = currency
    return accounts


def _company_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Company names (unique while the word pairs last), web-domain slugs and first words."""
    heads, tails = len(vocab.COMPANY_HEADS), len(vocab.COMPANY_TAILS)
    pairs = heads * tails
    code = rng.permutation(pairs)[:n] if n <= pairs else rng.integers(0, pairs, n)
    head = take(vocab.COMPANY_HEADS, code // tails)
    tail = take(vocab.COMPANY_TAILS, code % tails)
    suffix = take(vocab.COMPANY_SUFFIXES, rng.integers(0, len(vocab.COMPANY_SUFFIXES), n))
    name = pc.utf8_trim_whitespace(join(head, " ", tail, " ", suffix))
    slug = pc.utf8_lower(join(head, tail))
    if n > pairs:  # more accounts than word pairs: number the repeats, as real orgs end up doing
        repeat = np.arange(n) // pairs
        again = text(pa.array(repeat + 1))
        name = either(repeat > 0, join(name, " ", again), name)
        slug = either(repeat > 0, join(slug, again), slug)
    return name, slug, head


@dataclass
class Contacts:
    """Generated contacts, in id order, with lookups by account for later phases."""

    ids: pa.Array
    account: np.ndarray  # account row of each contact
    first_name: pa.Array
    name: pa.Array
    email: pa.Array
    title: pa.Array
    created: np.ndarray
    deleted: np.ndarray
    sponsor: np.ndarray  # per account: the executive sponsor's contact row (-1: none)
    _by_account: np.ndarray  # live contact rows sorted by account
    _start: np.ndarray
    _count: np.ndarray

    def random_of(self, rng: np.random.Generator, account: np.ndarray) -> np.ndarray:
        """A random contact row of each given account (-1 where the account has none)."""
        count = self._count[account]
        if not len(self._by_account):
            return np.full(len(account), -1, dtype=np.int64)
        pos = self._start[account] + (rng.random(len(account)) * count).astype(np.int64)
        picked = self._by_account[np.minimum(pos, len(self._by_account) - 1)]
        return np.where(count > 0, picked, -1)


def generate_contacts(org: DemoOrg, acc: Accounts) -> Contacts:
    rng = org.rng("Contact")
    mean = np.where(acc.customer, 4.0, np.where(acc.type == PROSPECT, 2.0, 1.5))
    counts = rng.poisson(mean)
    parent = np.repeat(np.arange(len(acc)), counts)
    n = len(parent)
    rank = group_rank(parent)
    account_created = acc.life.created[parent]
    migrated = (account_created < org.go_live + MS_DAY) & (rng.random(n) < 0.85)
    later = account_created + rng.exponential(120 * MS_DAY, n).astype(np.int64)
    created = np.minimum(later, org.ref - MS_HOUR)
    created[migrated] = org.imports(int(migrated.sum()), org.go_live + 3 * MS_HOUR)
    created = np.maximum(created, account_created)
    parent, created, rank, migrated = reorder(
        np.lexsort((rank, created)), parent, created, rank, migrated
    )
    ids = org.new_ids("Contact", n)
    life = org.lifecycle(rng, created, touched=0.5, integration_share=0.15)

    female = rng.random(n) < 0.5
    first = either(
        female,
        take(vocab.FEMALE_FIRST_NAMES, rng.integers(0, len(vocab.FEMALE_FIRST_NAMES), n)),
        take(vocab.MALE_FIRST_NAMES, rng.integers(0, len(vocab.MALE_FIRST_NAMES), n)),
    )
    last = take(vocab.LAST_NAMES, rng.integers(0, len(vocab.LAST_NAMES), n))
    salutation = np.where(rng.random(n) < 0.04, 2, np.where(female, 1, 0))
    sponsor_row = rank == 0  # each account's first contact is its executive sponsor
    exec_pick = rng.integers(0, len(vocab.EXECUTIVE_TITLES), n)
    staff_pick = rng.integers(0, len(vocab.STAFF_TITLES), n)
    title = either(
        sponsor_row,
        take([t for t, _ in vocab.EXECUTIVE_TITLES], exec_pick),
        take([t for t, _ in vocab.STAFF_TITLES], staff_pick),
    )
    department = either(
        sponsor_row,
        take([d for _, d in vocab.EXECUTIVE_TITLES], exec_pick),
        take([d for _, d in vocab.STAFF_TITLES], staff_pick),
    )
    of_account = pa.array(parent)
    email = join(
        pc.utf8_lower(first), ".", pc.utf8_lower(last), "@", pc.take(acc.domain, of_account)
    )
    sponsor = np.full(len(acc), -1, dtype=np.int64)
    sponsor[parent[sponsor_row]] = np.flatnonzero(sponsor_row)
    reports = ~sponsor_row & (rng.random(n) < 0.3)
    customer = acc.customer[parent]
    orphan = ~sponsor_row & ~customer & (rng.random(n) < 0.02)  # contacts without an account
    owner = either(
        customer & (rng.random(n) < 0.5),
        pc.take(acc.csm, of_account),
        pc.take(acc.owner, of_account),
    )
    owner = pc.fill_null(owner, pc.take(acc.owner, of_account))
    # Contacts of customers get onboarding tasks, so only other contacts are deleted on their own.
    org.delete(rng, life, ids, 0.01, eligible=~customer, parent=parent, parent_life=acc.life)
    # Salesforce clears lookups to deleted records: later phases only see live contacts.
    sponsor = np.where((sponsor >= 0) & ~life.deleted[np.maximum(sponsor, 0)], sponsor, -1)
    integration = pa.scalar(org.users.integration)
    city = acc.city[parent]
    mailing = rng.random(n) < 0.9
    phone_prefix = take([c.phone for c in vocab.CITIES], city)
    name = join(first, " ", last)
    email = keep(rng.random(n) >= 0.05, email)
    cols: dict[str, Any] = {
        "Id": ids,
        "AccountId": pc.take(acc.ids, pa.array(parent, mask=orphan)),
        "FirstName": first,
        "LastName": last,
        "Name": name,
        "Salutation": take(["Mr.", "Ms.", "Dr."], salutation, rng.random(n) < 0.45),
        "Title": title,
        "Department": department,
        "Email": email,
        "Phone": join(phone_prefix, padded(rng.integers(0, 10_000, n), 4)),
        "MobilePhone": keep(
            rng.random(n) < 0.4, join(phone_prefix, padded(rng.integers(0, 10_000, n), 4))
        ),
        "MailingStreet": keep(mailing & (rng.random(n) < 0.6), pc.take(acc.street, of_account)),
        "MailingCity": take([c.city for c in vocab.CITIES], city, ~mailing),
        "MailingState": take([c.state for c in vocab.CITIES], city, ~mailing),
        "MailingPostalCode": keep(mailing, pc.take(acc.postal, of_account)),
        "MailingCountry": keep(mailing, pc.take(acc.country, of_account)),
        "ReportsToId": rows_of(ids, sponsor[parent], ~reports),
        "LeadSource": take(vocab.LEAD_SOURCES, rng.integers(0, 5, n), rng.random(n) < 0.4),
        "Birthdate": date(
            days(np.full(n, org.ref)) - rng.integers(24 * 365, 62 * 365, n), rng.random(n) < 0.9
        ),
        "HasOptedOutOfEmail": pa.array(rng.random(n) < 0.05),
        "DoNotCall": pa.array(rng.random(n) < 0.03),
        "OwnerId": owner,
        "CreatedById": either(migrated, integration, owner),
        "LastModifiedById": either(life.by_integration & ~life.deleted, integration, owner),
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Contact", cols, life)
    live = np.flatnonzero(~life.deleted)
    by_account = live[np.argsort(parent[live], kind="stable")]
    return Contacts(
        ids=ids,
        account=parent,
        first_name=first,
        name=name,
        email=email,
        title=title,
        created=created,
        deleted=life.deleted,
        sponsor=sponsor,
        _by_account=by_account,
        _start=np.searchsorted(parent[by_account], np.arange(len(acc)), side="left"),
        _count=np.bincount(parent[live], minlength=len(acc)),
    )
