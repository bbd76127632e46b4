"""Demo support: cases and the conversations on them (case comments and email messages).

Each case has a topic (:mod:`pipelines.sandbox.conversations`) and a tone that starts where
the account's health suggests (unhappy accounts write angrier cases) and moves towards the
end of the thread: closed cases mostly end friendlier, open ones sometimes worse. Comments and
emails are spread over the case's life, alternate between customer and agent, and are
composed from phrase lists, column-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sandbox import conversations as talk
from pipelines.sandbox.demo_accounts import Accounts, Contacts
from pipelines.sandbox.demo_columns import (
    MS_DAY,
    MS_HOUR,
    Lifecycle,
    Phrases,
    choice,
    either,
    join,
    keep,
    padded,
    rows_of,
    take,
    ts,
)

if TYPE_CHECKING:
    from pipelines.sandbox.generator import DemoOrg

CASE_TYPES = ("Question", "Problem", "Feature Request")
PHONE, EMAIL, WEB = 0, 1, 2
SUPPORT_ADDRESS = "support@sandbox.local"


@dataclass
class Cases:
    """What a case's comments and emails need to know about it (arrays in case-id order)."""

    ids: pa.Array
    created: np.ndarray
    end: np.ndarray  # closed date, or "now" for open cases
    closed: np.ndarray
    tone_start: np.ndarray
    tone_end: np.ndarray
    topic: np.ndarray
    origin: np.ndarray
    owner: pa.Array
    agent_first: pa.Array
    contact_first: pa.Array
    contact_name: pa.Array
    contact_email: pa.Array
    subject: pa.Array
    life: Lifecycle

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class _Thread:
    """Message slots of every case's thread."""

    case: np.ndarray  # case row of each message
    k: np.ndarray  # position in the thread
    size: np.ndarray  # messages in the thread
    moment: np.ndarray
    tone: np.ndarray


def generate_cases(org: DemoOrg, acc: Accounts, con: Contacts) -> Cases:
    rng = org.rng("Case")
    parent = np.repeat(np.arange(len(acc)), rng.poisson(np.where(acc.customer, 2.6, 0.3)))
    n = len(parent)
    created = org.spread(rng, n, org.ref - 2 * 365 * MS_DAY, org.ref - MS_HOUR, growth=0.3)
    floor = acc.life.created[parent] + MS_DAY  # no case before its account existed
    moved = floor + (rng.random(n) * np.maximum(org.ref - floor, MS_HOUR)).astype(np.int64)
    created = np.minimum(np.where(created < floor, moved, created), org.ref - MS_HOUR)
    order = np.argsort(created, kind="stable")
    parent, created = parent[order], created[order]
    ids = org.new_ids("Case", n)
    age_days = (org.ref - created) / MS_DAY

    topic = rng.integers(0, len(talk.TOPICS), n)
    mood = rng.normal((acc.health[parent] - 60) / 25.0, 1.0, n)
    tone_start = np.clip(np.round(mood + 1.6), 0, 4).astype(np.int64)
    feature = np.array([t.key == "feature" for t in talk.TOPICS])[topic]
    tone_start = np.where(feature, np.maximum(tone_start, talk.NEUTRAL), tone_start)
    closed = np.where(
        age_days > 30, rng.random(n) < 0.96, rng.random(n) < np.clip(age_days / 30, 0.1, 0.8)
    )
    shift = np.where(
        closed, choice(rng, [0.1, 0.25, 0.35, 0.3], n) - 1, choice(rng, [0.25, 0.6, 0.15], n) - 1
    )
    tone_end = np.clip(tone_start + shift, 0, 4).astype(np.int64)
    escalated = ~closed & (tone_start <= talk.FRUSTRATED) & (rng.random(n) < 0.4)
    status = np.where(closed, 3, np.where(escalated, 2, np.where(rng.random(n) < 0.35, 0, 1)))
    priority = np.select(
        [tone_start == talk.ANGRY, tone_start == talk.FRUSTRATED],
        [choice(rng, [0.7, 0.25, 0.05], n), choice(rng, [0.35, 0.5, 0.15], n)],
        choice(rng, [0.1, 0.55, 0.35], n),
    )
    origin = choice(rng, [0.2, 0.5, 0.3], n)
    time_to_close = np.clip(rng.lognormal(np.log(40 * MS_HOUR), 1.1, n), 2 * MS_HOUR, 60 * MS_DAY)
    closed_at = np.where(
        closed, np.minimum(created + time_to_close.astype(np.int64), org.ref - 1), -1
    )

    contact = con.random_of(rng, parent)
    agents = pa.array(org.users.pick(rng, "agent", n, inactive_share=0.02))
    owner = pc.take(org.users.ids["agent"], agents)
    contact_first = rows_of(con.first_name, contact)
    contact_name = rows_of(con.name, contact)
    contact_email = rows_of(con.email, contact)
    subject = join(
        Phrases(talk.SUBJECT_PREFIXES).pick(rng, tone_start),
        Phrases([t.subjects for t in talk.TOPICS]).pick(rng, topic),
    )
    description = _customer_message(
        rng, topic, tone_start, first=np.ones(n, dtype=bool), signature=contact_first
    )

    life = org.lifecycle(rng, created, touched=0.0, system_share=0.03)
    worked_on = created + (rng.random(n) * (org.ref - created)).astype(np.int64)
    life.touch(np.where(closed, closed_at, worked_on), np.ones(n, dtype=bool))
    org.delete(rng, life, ids, 0.006, parent=parent, parent_life=acc.life)
    of_account = pa.array(parent)
    first_number = org.store.reserve_numbers("Case", "CaseNumber", n)
    from_web = origin == WEB
    creator = either(
        origin == EMAIL,
        pa.scalar(org.users.email_service),
        either(from_web, pa.scalar(org.users.community), owner),
    )
    cols: dict[str, Any] = {
        "Id": ids,
        "CaseNumber": padded(np.arange(first_number, first_number + n), 8),
        "AccountId": pc.take(acc.ids, of_account),
        "ContactId": rows_of(con.ids, contact),
        "SuppliedName": keep(from_web, contact_name),
        "SuppliedEmail": keep(from_web, contact_email),
        "SuppliedCompany": keep(from_web, pc.take(acc.name, of_account)),
        "Type": take(
            CASE_TYPES, np.array([CASE_TYPES.index(t.case_type) for t in talk.TOPICS])[topic]
        ),
        "Status": take(("New", "Working", "Escalated", "Closed"), status),
        "Reason": take([t.reason for t in talk.TOPICS], topic),
        "Origin": take(("Phone", "Email", "Web"), origin),
        "Subject": subject,
        "Priority": take(("High", "Medium", "Low"), priority),
        "Description": description,
        "IsClosed": pa.array(closed),
        "ClosedDate": ts(closed_at, ~closed),
        "IsEscalated": pa.array(
            escalated | (closed & (tone_start == talk.ANGRY) & (rng.random(n) < 0.3))
        ),
        "OwnerId": owner,
        "ContactEmail": contact_email,
        "CreatedById": creator,
        "LastModifiedById": owner,
    }
    if acc.currency is not None:
        cols["CurrencyIsoCode"] = pc.take(acc.currency, of_account)
    org.load("Case", cols, life)
    return Cases(
        ids=ids,
        created=created,
        end=np.where(closed, closed_at, org.ref - 1),
        closed=closed,
        tone_start=tone_start,
        tone_end=tone_end,
        topic=topic,
        origin=origin,
        owner=owner,
        agent_first=pc.take(org.users.first_names["agent"], agents),
        contact_first=contact_first,
        contact_name=contact_name,
        contact_email=contact_email,
        subject=subject,
        life=life,
    )


def _customer_message(
    rng: np.random.Generator,
    topic: np.ndarray,
    tone: np.ndarray,
    *,
    first: np.ndarray,
    signature: pa.Array,
) -> pa.Array:
    """Opener, the problem (first message) or a follow-up, a closing line; signed when known."""
    opener = either(
        first,
        Phrases(talk.CUSTOMER_FIRST_OPENERS).pick(rng, tone),
        Phrases(talk.CUSTOMER_OPENERS).pick(rng, tone),
    )
    middle = either(
        first,
        Phrases([t.details for t in talk.TOPICS]).pick(rng, topic),
        Phrases(talk.CUSTOMER_FOLLOWUPS).pick(rng, tone),
    )
    closer = Phrases(talk.CUSTOMER_CLOSERS).pick(rng, tone)
    return join(opener, " ", middle, " ", closer, pc.fill_null(join("\n\n", signature), ""))


def _agent_message(
    rng: np.random.Generator,
    topic: np.ndarray,
    customer_tone: np.ndarray,
    *,
    final: np.ndarray,
    greet: pa.Array,
    agent: pa.Array,
) -> pa.Array:
    """Greeting, a line matching the customer's mood, the next step (or the resolution), sign-off."""
    n = len(topic)
    body = either(
        final,
        Phrases([t.resolutions for t in talk.TOPICS]).pick(rng, topic),
        Phrases([t.actions for t in talk.TOPICS]).pick(rng, topic),
    )
    return join(
        pc.fill_null(join("Hi ", greet, ",\n\n"), "Hello,\n\n"),
        Phrases(talk.AGENT_OPENERS).pick(rng, customer_tone),
        " ",
        body,
        " ",
        take(talk.AGENT_CLOSERS, rng.integers(0, len(talk.AGENT_CLOSERS), n)),
        "\n\n",
        take(talk.SIGN_OFFS, rng.integers(0, len(talk.SIGN_OFFS), n)),
        "\n",
        agent,
    )


def _thread(org: DemoOrg, rng: np.random.Generator, cases: Cases, counts: np.ndarray) -> _Thread:
    """Timing and tone of ``counts[i]`` messages on case ``i``, spread over the case's life."""
    case = np.repeat(np.arange(len(cases)), counts)
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    k = np.arange(len(case)) - starts[case]
    size = counts[case]
    gaps = rng.exponential(1.0, len(case)) + 0.05
    cum = np.cumsum(gaps)
    within = cum - np.r_[0.0, cum][starts[case]]
    total = np.zeros(len(cases))
    has = counts > 0
    total[has] = within[(starts + counts - 1)[has]]
    fraction = within / (total[case] + 0.3)  # the last message comes a little before the end
    start, end = cases.created[case], cases.end[case]
    moment = np.minimum(start + (fraction * (end - start)).astype(np.int64), org.ref - 1)
    progress = np.where(size > 1, k / np.maximum(size - 1, 1), 1.0)
    tone_start, tone_end = cases.tone_start[case], cases.tone_end[case]
    tone = np.round(tone_start + (tone_end - tone_start) * progress).astype(np.int64)
    return _Thread(case=case, k=k, size=size, moment=moment, tone=tone)


def generate_comments(org: DemoOrg, cases: Cases) -> None:
    """Comments on every case: the agent answers the description, then turns alternate;
    a fifth of the agent's turns are internal notes (unpublished)."""
    rng = org.rng("CaseComment")
    msg = _thread(org, rng, cases, rng.poisson(2.0, len(cases)) + 1)
    n = len(msg.case)
    of_case = pa.array(msg.case)
    agent = msg.k % 2 == 0
    internal = agent & (rng.random(n) < 0.2)
    final = cases.closed[msg.case] & (msg.k == msg.size - 1)
    topic = cases.topic[msg.case]
    contact_first = pc.take(cases.contact_first, of_case)
    customer_text = _customer_message(
        rng, topic, msg.tone, first=np.zeros(n, dtype=bool), signature=contact_first
    )
    agent_text = _agent_message(
        rng,
        topic,
        msg.tone,
        final=final,
        greet=contact_first,
        agent=pc.take(cases.agent_first, of_case),
    )
    note = join(
        Phrases([t.notes for t in talk.TOPICS]).pick(rng, topic),
        " ",
        Phrases(talk.NOTE_TAILS).pick(rng, msg.tone),
    )
    body = either(internal, note, either(agent, agent_text, customer_text))
    order = np.argsort(msg.moment, kind="stable")
    case, agent, internal, moment = (
        msg.case[order],
        agent[order],
        internal[order],
        msg.moment[order],
    )
    body = pc.take(body, pa.array(order))
    of_case = pa.array(case)
    ids = org.new_ids("CaseComment", n)
    life = org.lifecycle(rng, moment, touched=0.05, mean_gap_days=0.2, system_share=0.0)
    org.delete(rng, life, ids, 0.004, parent=case, parent_life=cases.life)
    author = either(agent, pc.take(cases.owner, of_case), pa.scalar(org.users.community))
    org.load(
        "CaseComment",
        {
            "Id": ids,
            "ParentId": pc.take(cases.ids, of_case),
            "IsPublished": pa.array(~internal),
            "CommentBody": pc.utf8_slice_codeunits(body, 0, 4000),
            "CreatedById": author,
            "LastModifiedById": author,
        },
        life,
    )


def generate_emails(org: DemoOrg, cases: Cases) -> None:
    """The email thread of every email-to-case case: the customer's email opened the case,
    then agent and customer take turns."""
    rng = org.rng("EmailMessage")
    counts = np.where(cases.origin == EMAIL, 2 + rng.poisson(1.0, len(cases)), 0)
    msg = _thread(org, rng, cases, counts)
    n = len(msg.case)
    msg.moment = np.where(msg.k == 0, cases.created[msg.case], msg.moment)
    of_case = pa.array(msg.case)
    incoming = msg.k % 2 == 0
    topic = cases.topic[msg.case]
    agent_first = pc.take(cases.agent_first, of_case)
    greeting = either(
        msg.k == 0,
        pa.scalar("Hi Support team,\n\n"),
        pc.fill_null(join("Hi ", agent_first, ",\n\n"), "Hello,\n\n"),
    )
    customer_text = join(
        greeting,
        _customer_message(
            rng, topic, msg.tone, first=msg.k == 0, signature=pc.take(cases.contact_name, of_case)
        ),
    )
    final = cases.closed[msg.case] & (msg.k == msg.size - 1) & ~incoming
    agent_text = join(
        _agent_message(
            rng,
            topic,
            msg.tone,
            final=final,
            greet=pc.take(cases.contact_first, of_case),
            agent=agent_first,
        ),
        "\nCustomer Support, sfsync Demo",
    )
    subject = pc.take(cases.subject, of_case)
    columns = {
        "body": either(incoming, customer_text, agent_text),
        "subject": either(msg.k == 0, subject, join("Re: ", subject)),
        "customer_address": pc.fill_null(
            pc.take(cases.contact_email, of_case), "customer@example.com"
        ),
        "customer_name": pc.fill_null(pc.take(cases.contact_name, of_case), "Customer"),
        "agent_name": join(agent_first, " (Support)"),
    }
    order = np.argsort(msg.moment, kind="stable")
    case, incoming, moment, k, size = (
        a[order] for a in (msg.case, incoming, msg.moment, msg.k, msg.size)
    )
    text = {key: pc.take(values, pa.array(order)) for key, values in columns.items()}
    of_case = pa.array(case)
    ids = org.new_ids("EmailMessage", n)
    # Each email replies to the previous one on its case; the first one names the thread.
    by_case = np.lexsort((moment, case))
    same_case = np.r_[False, case[by_case][1:] == case[by_case][:-1]]
    previous = np.full(n, -1, dtype=np.int64)
    previous[by_case[same_case]] = by_case[np.flatnonzero(same_case) - 1]
    opener = np.zeros(len(cases), dtype=np.int64)
    opener[case[by_case[~same_case]]] = by_case[~same_case]
    life = org.lifecycle(rng, moment, touched=0.0, system_share=0.0)
    org.delete(rng, life, ids, 0.004, parent=case, parent_life=cases.life)
    author = either(incoming, pa.scalar(org.users.email_service), pc.take(cases.owner, of_case))
    latest = k == size - 1
    # Incoming: New while unanswered on an open case, Read when the case closed, else Replied.
    status = np.where(incoming, np.where(latest, np.where(cases.closed[case], 1, 0), 2), 3)
    support = pa.scalar(SUPPORT_ADDRESS)
    org.load(
        "EmailMessage",
        {
            "Id": ids,
            "ParentId": pc.take(cases.ids, of_case),
            "RelatedToId": pc.take(cases.ids, of_case),
            "Subject": text["subject"],
            "FromName": either(incoming, text["customer_name"], text["agent_name"]),
            "FromAddress": either(incoming, text["customer_address"], support),
            "ToAddress": either(incoming, support, text["customer_address"]),
            "TextBody": text["body"],
            "HtmlBody": keep(
                ~incoming, join("<p>", pc.replace_substring(text["body"], "\n", "<br>"), "</p>")
            ),
            "Incoming": pa.array(incoming),
            "Status": take(("0", "1", "2", "3"), status),
            "MessageDate": ts(moment),
            "HasAttachment": pa.array(rng.random(n) < 0.05),
            "IsExternallyVisible": pa.array(np.ones(n, dtype=bool)),
            "MessageIdentifier": join("<", ids, "@mail.sandbox.local>"),
            "ThreadIdentifier": join(
                "<thread-", pc.take(ids, pa.array(opener[case])), "@mail.sandbox.local>"
            ),
            "ReplyToEmailMessageId": rows_of(ids, previous),
            "CreatedById": author,
            "LastModifiedById": author,
        },
        life,
    )
