"""Demo custom objects: quarterly account health assessments and onboarding tasks.

``Account_Health__c`` (lookup ``Account__c``) holds a customer's assessments, the latest one
matching the account's ``Health_Score__c``; ``Onboarding_Task__c`` (lookup ``Contact__c``)
tracks the onboarding plan of customer contacts, ``Completed__c`` agreeing with ``Status__c``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sandbox import demo_vocab as vocab
from pipelines.sandbox.demo_accounts import Accounts, Contacts
from pipelines.sandbox.demo_columns import (
    MS_DAY,
    MS_HOUR,
    Phrases,
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
    take,
)

if TYPE_CHECKING:
    from pipelines.sandbox.generator import DemoOrg

HEALTH_STATUSES = ("Healthy", "Needs Attention", "At Risk", "Critical")
TASK_STATUSES = ("Not Started", "In Progress", "Blocked", "Completed")
COMPLETED = 3


def generate_health(org: DemoOrg, acc: Accounts) -> None:
    rng = org.rng("Account_Health__c")
    quarters = np.clip((org.ref - acc.since) // (91 * MS_DAY), 0, 8)
    counts = np.minimum(rng.poisson(2.5, len(acc)) + 1, quarters + 1)
    counts = np.where(acc.customer & ~acc.life.deleted, counts, 0)
    parent = np.repeat(np.arange(len(acc)), counts)
    n = len(parent)
    back = counts[parent] - 1 - group_rank(parent)  # quarters before the latest assessment
    assessed = org.ref // MS_DAY - 5 - back * 91 - rng.integers(0, 10, n)
    score = np.clip(np.round(acc.health[parent] + back * rng.normal(0, 6, n)), 5, 100)
    previous = np.concatenate([score[:1], score[:-1]])
    oldest = back == counts[parent] - 1
    trend = np.where(oldest, 1, np.select([score > previous + 3, score < previous - 3], [0, 2], 1))
    status = np.select([score >= 75, score >= 55, score >= 35], [0, 1, 2], 3)
    created = assessed * MS_DAY + rng.integers(14, 23, n) * MS_HOUR + rng.integers(0, MS_HOUR, n)
    created = np.minimum(created, org.ref - 1)
    parent, score, trend, status, created, assessed = reorder(
        np.argsort(created, kind="stable"), parent, score, trend, status, created, assessed
    )
    ids = org.new_ids("Account_Health__c", n)
    life = org.lifecycle(rng, created, touched=0.2, mean_gap_days=10, integration_share=0.2)
    org.delete(rng, life, ids, 0.01)
    of_account = pa.array(parent)
    owner = pc.fill_null(pc.take(acc.csm, of_account), pc.take(acc.owner, of_account))
    notes = Phrases([vocab.HEALTH_NOTES[s] for s in HEALTH_STATUSES]).pick(rng, status)
    cols: dict[str, Any] = {
        "Id": ids,
        "Name": join("AH-", padded(np.arange(1, n + 1), 6)),
        "Account__c": pc.take(acc.ids, of_account),
        "Score__c": num(score),
        "Status__c": take(HEALTH_STATUSES, status),
        "Assessment_Date__c": date(assessed),
        "Trend__c": take(("Improving", "Stable", "Declining"), trend),
        "Notes__c": keep(rng.random(n) < 0.6, notes),
        "OwnerId": owner,
        "CreatedById": owner,
        "LastModifiedById": either(
            life.by_integration & ~life.deleted, pa.scalar(org.users.integration), owner
        ),
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Account_Health__c", cols, life)


def generate_onboarding(org: DemoOrg, acc: Accounts, con: Contacts) -> None:
    rng = org.rng("Onboarding_Task__c")
    chosen = acc.customer[con.account] & ~con.deleted & (rng.random(len(con.account)) < 0.25)
    counts = np.where(chosen, 2 + rng.poisson(1.5, len(con.account)), 0)
    contact = np.repeat(np.arange(len(con.account)), counts)
    n = len(contact)
    step = group_rank(contact)
    account = con.account[contact]
    ref_day = org.ref // MS_DAY
    kickoff = np.maximum(days(acc.since[account]), days(con.created[contact]))
    due = kickoff + 7 + step * rng.integers(5, 15, n)
    overdue = due < ref_day - 7
    status = np.where(
        overdue, choice(rng, [0.0, 0.1, 0.05, 0.85], n), choice(rng, [0.6, 0.35, 0.05, 0.0], n)
    )
    done = status == COMPLETED
    completed_on = np.minimum(due + rng.integers(-4, 6, n), ref_day - 1)
    created = kickoff * MS_DAY + rng.integers(15, 22, n) * MS_HOUR
    created = np.clip(created, con.created[contact], org.ref - MS_HOUR)
    contact, step, account, due, status, done, completed_on, created = reorder(
        np.lexsort((step, created)),
        contact,
        step,
        account,
        due,
        status,
        done,
        completed_on,
        created,
    )
    ids = org.new_ids("Onboarding_Task__c", n)
    life = org.lifecycle(rng, created, touched=0.0)
    finished_at = np.clip(completed_on * MS_DAY + 18 * MS_HOUR, life.created, org.ref - 1)
    worked_on = life.created + (rng.random(n) * (org.ref - life.created) * 0.3).astype(np.int64)
    life.touch(np.where(done, finished_at, worked_on), np.ones(n, dtype=bool))
    org.delete(rng, life, ids, 0.01)
    of_account = pa.array(account)
    owner = pc.fill_null(
        pc.fill_null(pc.take(acc.onboarding, of_account), pc.take(acc.csm, of_account)),
        pc.take(acc.owner, of_account),
    )
    cols: dict[str, Any] = {
        "Id": ids,
        "Name": take(vocab.ONBOARDING_TASKS, np.minimum(step, len(vocab.ONBOARDING_TASKS) - 1)),
        "Contact__c": pc.take(con.ids, pa.array(contact)),
        "Status__c": take(TASK_STATUSES, status),
        "Due_Date__c": date(due),
        "Completed__c": pa.array(done),
        "Completed_Date__c": date(completed_on, ~done),
        "OwnerId": owner,
        "CreatedById": owner,
        "LastModifiedById": owner,
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Onboarding_Task__c", cols, life)
