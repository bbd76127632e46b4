"""Demo opportunities and contracts: how revenue got into the org.

Every customer has the deal that made it one (Closed Won) followed by renewals, upsells and
expansions; prospects have new-business deals, won rarely. Stage, ``IsClosed``, ``IsWon``,
probability and forecast category agree as Salesforce keeps them. Contracts give customers a
current term (12, 24 or 36 months, ``EndDate`` computed like Salesforce does) and sometimes an
expired predecessor; the latest activated end date becomes the account's
``Contract_End_Date__c``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sandbox import demo_vocab as vocab
from pipelines.sandbox import rules
from pipelines.sandbox.demo_accounts import PARTNER_TYPES, PROSPECT, Accounts, Contacts
from pipelines.sandbox.demo_columns import (
    MS_DAY,
    MS_HOUR,
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
    ts,
    year_of,
)

if TYPE_CHECKING:
    from pipelines.sandbox.generator import DemoOrg

OPEN_STAGES = (
    ("Prospecting", 0.18),
    ("Qualification", 0.2),
    ("Needs Analysis", 0.14),
    ("Value Proposition", 0.12),
    ("Id. Decision Makers", 0.08),
    ("Perception Analysis", 0.06),
    ("Proposal/Price Quote", 0.12),
    ("Negotiation/Review", 0.1),
)
STAGES = (*(s for s, _ in OPEN_STAGES), "Closed Won", "Closed Lost")
WON, LOST = len(OPEN_STAGES), len(OPEN_STAGES) + 1
OPPORTUNITY_TYPES = (
    "New Business",
    "Renewal",
    "Upsell",
    "Expansion",
    "Existing Customer - Upgrade",
)
NEW_BUSINESS, RENEWAL = 0, 1


def generate_opportunities(org: DemoOrg, acc: Accounts, con: Contacts) -> None:
    rng = org.rng("Opportunity")
    mean = np.where(acc.customer, 3.0, np.where(acc.type == PROSPECT, 1.5, 0.6))
    counts = np.where(acc.customer, np.maximum(rng.poisson(mean), 1), rng.poisson(mean))
    parent = np.repeat(np.arange(len(acc)), counts)
    n = len(parent)
    rank = group_rank(parent)
    customer = acc.customer[parent]
    first_deal = customer & (rank == 0)
    ref_day = org.ref // MS_DAY
    since_day = days(acc.since[parent])
    kind = np.where(customer & ~first_deal, choice(rng, [0, 0.5, 0.2, 0.2, 0.1], n), NEW_BUSINESS)
    close_day = np.where(
        customer,
        since_day + rank * rng.integers(150, 330, n) + rng.integers(-20, 20, n),
        days(acc.life.created[parent]) + rng.integers(20, 400, n),
    )
    close_day = np.where(first_deal, np.minimum(since_day, ref_day - 1), close_day)
    future = close_day >= ref_day
    close_day = np.where(
        future, np.minimum(close_day, ref_day + rng.integers(5, 270, n)), close_day
    )
    open_stage = choice(rng, [w for _, w in OPEN_STAGES], n)
    win_rate = np.where(customer & (kind == RENEWAL), 0.88, np.where(customer, 0.7, 0.35))
    won = first_deal | (rng.random(n) < win_rate)
    stage = np.where(future, open_stage, np.where(won, WON, LOST))
    # A few open deals sit past their close date, as in every real pipeline.
    stale = ~future & ~first_deal & (rng.random(n) < 0.04)
    stage = np.where(stale, open_stage, stage)

    usd = acc.arr[parent] * np.select(
        [kind == NEW_BUSINESS, kind == RENEWAL],
        [rng.uniform(0.8, 1.1, n), rng.uniform(0.9, 1.15, n)],
        rng.uniform(0.1, 0.4, n),
    )
    usd = np.round(np.where(customer, usd, 10 ** rng.normal(4.6, 0.4, n)), -2)
    amount = acc.money(usd, parent)
    no_amount = rng.random(n) < 0.03

    sales_cycle = rng.integers(20, 150, n) * MS_DAY
    created = close_day * MS_DAY - sales_cycle + rng.integers(0, MS_DAY, n)
    created = np.clip(created, acc.life.created[parent], org.ref - MS_HOUR)
    migrated = created < org.go_live + MS_DAY
    created[migrated] = org.imports(int(migrated.sum()), org.go_live + 4 * MS_HOUR)
    order = np.lexsort((rank, created))
    parent, kind, close_day, stage, amount, no_amount, created, migrated = reorder(
        order, parent, kind, close_day, stage, amount, no_amount, created, migrated
    )
    ids = org.new_ids("Opportunity", n)
    info = [rules.OPPORTUNITY_STAGES[s] for s in STAGES]
    closed = np.array([s.is_closed for s in info])[stage]
    probability = np.array([float(s.probability) for s in info])[stage]
    life = org.lifecycle(rng, created, touched=0.8, mean_gap_days=30, integration_share=0.05)
    closed_at = np.clip(close_day * MS_DAY + 20 * MS_HOUR, life.created, org.ref - 1)
    life.touch(closed_at, closed)
    of_account = pa.array(parent)
    renewal_by_csm = (kind == RENEWAL) & (rng.random(n) < 0.4)
    owner = pc.fill_null(
        either(renewal_by_csm, pc.take(acc.csm, of_account), pc.take(acc.owner, of_account)),
        pc.take(acc.owner, of_account),
    )
    org.delete(rng, life, ids, 0.01, parent=parent, parent_life=acc.life)
    settings = org.store.settings
    year, quarter = rules.fiscal_periods(
        close_day,
        settings.fiscal_year_start_month,
        named_by_start=settings.fiscal_year_named_by_start,
    )
    calendar_year = year_of(close_day)
    integration = pa.scalar(org.users.integration)
    cols: dict[str, Any] = {
        "Id": ids,
        "AccountId": pc.take(acc.ids, of_account),
        "Name": pc.utf8_slice_codeunits(
            join(
                pc.take(acc.name, of_account),
                " - ",
                take(OPPORTUNITY_TYPES, kind),
                " ",
                text(pa.array(calendar_year)),
            ),
            0,
            120,
        ),
        "StageName": take(STAGES, stage),
        "Amount": num(amount, no_amount),
        "Probability": num(probability),
        "ExpectedRevenue": num(np.round(amount * probability / 100.0, 2), no_amount),
        "CloseDate": date(close_day),
        "Type": take(OPPORTUNITY_TYPES, kind),
        "NextStep": keep(
            ~closed, take(vocab.NEXT_STEPS, rng.integers(0, len(vocab.NEXT_STEPS), n))
        ),
        "LeadSource": take(vocab.LEAD_SOURCES, rng.integers(0, 5, n), rng.random(n) < 0.5),
        "IsClosed": pa.array(closed),
        "IsWon": pa.array(np.array([s.is_won for s in info])[stage]),
        "ForecastCategory": take([s.forecast_category for s in info], stage),
        "ForecastCategoryName": take([s.forecast_category_name for s in info], stage),
        "FiscalYear": num(year),
        "FiscalQuarter": num(quarter),
        "Fiscal": join(text(pa.array(year)), " ", text(pa.array(quarter))),
        "LastStageChangeDate": ts(
            np.where(closed, np.minimum(closed_at, life.modified), life.modified)
        ),
        "ContactId": rows_of(con.ids, con.sponsor[parent], rng.random(n) < 0.5),
        "OwnerId": owner,
        "CreatedById": either(migrated, integration, owner),
        "LastModifiedById": either(life.by_integration & ~life.deleted, integration, owner),
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Opportunity", cols, life)


def generate_contracts(org: DemoOrg, acc: Accounts, con: Contacts) -> None:
    rng = org.rng("Contract")
    partner = np.isin(acc.type, PARTNER_TYPES)
    counts = np.where(
        acc.customer,
        1 + (rng.random(len(acc)) < 0.35),  # some customers also have an expired earlier term
        (partner & (rng.random(len(acc)) < 0.1)).astype(np.int64),
    )
    parent = np.repeat(np.arange(len(acc)), counts)
    n = len(parent)
    rank = group_rank(parent)
    current = rank == counts[parent] - 1
    ref_day = org.ref // MS_DAY
    term = np.array([12, 24, 36])[choice(rng, [0.55, 0.25, 0.2], n)]
    start = ref_day - (rng.random(n) * term * 30.4).astype(np.int64)
    churned = current & (rng.random(n) < 0.08)  # ran out without a renewal
    start = np.where(churned, start - term * 30, start)
    upcoming = current & ~churned & (rng.random(n) < 0.07)  # next term's paperwork, not yet active
    start = np.where(upcoming, ref_day + rng.integers(10, 60, n), start)
    # An earlier contract ends the day before the account's next one starts.
    start = np.where(~current, np.roll(start, -1) - term * 30.4, start).astype(np.int64)
    end = rules.contract_end_days(start, term)
    status = np.where(upcoming, np.where(rng.random(n) < 0.5, 0, 1), 2)
    account_created = acc.life.created[parent]
    drafted = np.maximum(start - rng.integers(5, 40, n), days(account_created))
    created = np.clip(
        drafted * MS_DAY + rng.integers(15, 23, n) * MS_HOUR, account_created, org.ref - MS_HOUR
    )
    migrated = created < org.go_live + MS_DAY
    created[migrated] = org.imports(int(migrated.sum()), org.go_live + 5 * MS_HOUR)
    parent, term, start, end, status, created, migrated = reorder(
        np.lexsort((rank, created)), parent, term, start, end, status, created, migrated
    )
    ids = org.new_ids("Contract", n)
    life = org.lifecycle(rng, created, touched=0.4)
    activated = status == 2
    activated_at = np.clip(start * MS_DAY + 17 * MS_HOUR, life.created, org.ref - 1)
    life.touch(activated_at, activated)
    org.delete(rng, life, ids, 0.005, parent=parent, parent_life=acc.life)
    of_account = pa.array(parent)
    owner = pc.take(acc.owner, of_account)
    signer = np.where(activated, con.sponsor[parent], -1)
    first_number = org.store.reserve_numbers("Contract", "ContractNumber", n)

    live = activated & ~life.deleted
    latest_end = np.full(len(acc), -1, dtype=np.int64)
    np.maximum.at(latest_end, parent[live], end[live])
    guess = ref_day + rng.integers(-60, 540, len(acc))  # customers whose paperwork predates the org
    acc.columns["Contract_End_Date__c"] = date(
        np.where(latest_end >= 0, latest_end, guess), ~acc.customer
    )

    cols: dict[str, Any] = {
        "Id": ids,
        "AccountId": pc.take(acc.ids, of_account),
        "Name": join(
            take(vocab.CONTRACT_NAMES, rng.integers(0, len(vocab.CONTRACT_NAMES), n)),
            " ",
            text(pa.array(year_of(start))),
        ),
        "ContractNumber": padded(np.arange(first_number, first_number + n), 8),
        "Status": take(("Draft", "In Approval Process", "Activated"), status),
        "StatusCode": take(("Draft", "InApproval", "Activated"), status),
        "StartDate": date(start),
        "ContractTerm": num(term),
        "EndDate": date(end),
        "OwnerExpirationNotice": take(
            ["30", "60", "90"], rng.integers(0, 3, n), rng.random(n) < 0.3
        ),
        "CompanySignedId": keep(activated, owner),
        "CompanySignedDate": date(start - rng.integers(3, 20, n), ~activated),
        "CustomerSignedId": rows_of(con.ids, signer),
        "CustomerSignedTitle": pc.utf8_slice_codeunits(rows_of(con.title, signer), 0, 40),
        "CustomerSignedDate": date(start - rng.integers(1, 15, n), ~activated),
        "ActivatedById": keep(activated, owner),
        "ActivatedDate": ts(activated_at, ~activated),
        "SpecialTerms": keep(
            rng.random(n) < 0.1, pa.array(np.full(n, "Price increase capped at 5% on renewal."))
        ),
        "BillingCity": take([c.city for c in vocab.CITIES], acc.city[parent]),
        "BillingCountry": pc.take(acc.country, of_account),
        "OwnerId": owner,
        "CreatedById": either(migrated, pa.scalar(org.users.integration), owner),
        "LastModifiedById": owner,
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Contract", cols, life)
