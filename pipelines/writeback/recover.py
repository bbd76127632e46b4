"""Finishing what an interrupted push left behind, before the next one plans.

A push that dies (killed, a crash, the org unreachable for longer than the retries) may leave
batches ``sending``: their request went out, or was about to, and the answer was never
recorded. Before planning, the next push settles each of them with Salesforce:

* a Bulk job it knows the id of: its results are collected (waiting for the org if it is still
  processing the job); a job never closed is aborted, its records were not written;
* otherwise (sObject Collections, or a job the org forgot): the records are read back, and
  those holding the values count as written; the others as not sent.

Either way the outbox and the state then say exactly what Salesforce holds, so the new plan
sends what is missing and nothing twice. Pushes still marked ``Running`` are closed as
``Failed``; their unsent records become ``failed`` with ``NOT_SENT``.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.soql.catalog import Catalog, Field
from pipelines.writeback import outbox
from pipelines.writeback.connection import OrgSession
from pipelines.writeback.outbox import NOT_SENT, Outcome
from pipelines.writeback.transport import bulk
from pipelines.writeback.transport.collections import read_back

INTERRUPTED = "interrupted: the push stopped before it finished"


def recover(home: Path, session: OrgSession, catalog: Catalog) -> list[str]:
    """Settle the batches and runs earlier pushes left open (call it holding the push lock).

    Returns notes for the new run's message; sends requests only when there is something to
    settle.
    """
    notes: list[str] = []
    for batch in outbox.sending_batches(home):
        payloads = outbox.batch_payloads(home, batch.run_id, batch.batch)
        outcomes: list[Outcome] | None = None
        if payloads and batch.transport == "bulk" and batch.bulk_job_id:
            outcomes = bulk.resume(session, batch.bulk_job_id, list(payloads))
        if payloads and outcomes is None:
            obj = catalog.get(batch.object)
            fields = {
                name: (obj.field(name) if obj is not None else None) or Field(name, "string")
                for payload in payloads.values()
                for name in payload
            }
            landed = read_back(session, batch.object, payloads, fields)
            outcomes = [
                Outcome(rid, True, written_at=landed[rid])
                if rid in landed
                else Outcome(
                    rid,
                    False,
                    NOT_SENT,
                    "the push stopped while sending this record and Salesforce does not hold "
                    "the value",
                )
                for rid in payloads
            ]
        written = sum(1 for o in outcomes or () if o.success)
        outbox.finish_batch(
            home,
            batch.run_id,
            batch.batch,
            outcomes or [],
            session.server_time() if session.opened else outbox.now(),
        )
        if payloads:
            notes.append(
                f"settled batch {batch.batch} of push {batch.run_id} ({batch.object}): "
                f"{written} of {len(payloads)} records had been written"
            )
    for run in outbox.running_runs(home):
        outbox.finish_run(
            home,
            run.run_id,
            status="Failed",
            api_calls=run.api_calls,
            summary=run.summary,
            message=INTERRUPTED if not run.message else f"{INTERRUPTED}\n{run.message}",
            not_sent_reason="the push was interrupted before this record was sent",
        )
        notes.append(f"closed push {run.run_id}, which was interrupted")
    return notes
