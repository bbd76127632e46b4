"""``push``: write the mappings' changed values to Salesforce, recording every record's fate.

One push, holding the push lock:

1. settle what an interrupted push left open (:mod:`pipelines.writeback.recover`);
2. plan from the warehouse (:func:`pipelines.writeback.plan.build_plan`) and store the plan in
   the outbox as a new run;
3. per mapping, send the changed records in batches (sObject Collections, 200 per call, or
   Bulk API 2.0 jobs, whichever costs fewer API calls); each batch is marked ``sending``
   before its request and its outcome recorded when the answer is in;
4. close the run with a summary: sent, failed (Salesforce's error per record), conflicts.

A record Salesforce rejects fails alone; the API budget or an unreachable org stops the push,
and whatever was not sent is sent by the next one::

    result = push(home=home)            # the config in force, credentials from dlt's config
    result.sent, result.failed, result.conflicts, result.api_calls
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipelines.config.catalogs import load_catalog
from pipelines.config.control import sfsync_home
from pipelines.config.model import IntegrationConfig
from pipelines.salesforce.client import SalesforceClient
from pipelines.salesforce.errors import (
    BudgetExceeded,
    SalesforceApiError,
    SalesforceError,
)
from pipelines.soql.catalog import Catalog
from pipelines.writeback import outbox
from pipelines.writeback.connection import OrgSession
from pipelines.writeback.costs import COLLECTION_BATCH
from pipelines.writeback.errors import WritebackDisabled
from pipelines.writeback.lock import push_lock
from pipelines.writeback.outbox import Outcome
from pipelines.writeback.plan import MappingPlan, Plan, build_plan, config_in_force
from pipelines.writeback.recover import recover
from pipelines.writeback.results import PushResult, run_result
from pipelines.writeback.transport import bulk, collections
from pipelines.writeback.transport.collections import (
    DEFAULT_WRITE_ATTEMPTS,
    BatchNotSent,
    Payload,
)

HomeArg = str | os.PathLike[str] | None


def push(
    config: IntegrationConfig | None = None,
    home: HomeArg = None,
    *,
    client: SalesforceClient | None = None,
    job_id: int | None = None,
    catalog: Catalog | None = None,
    batch_size: int = COLLECTION_BATCH,
    poll: bulk.PollPolicy | None = None,
    write_attempts: int = DEFAULT_WRITE_ATTEMPTS,
    wait_s: float = 30.0,
) -> PushResult:
    """Push ``config``'s write-back mappings (default: the config in force) from ``home``.

    ``client`` is the extractor's :class:`SalesforceClient` to use (default: one from dlt's
    config, opened only if there is something to send); ``job_id`` links the run to the sync
    job it ends. ``batch_size`` (≤ 200) is the records per sObject Collections call;
    ``wait_s`` how long to wait for a sync job to release the warehouse.

    Raises :class:`WritebackError` when write-back is off or nothing is configured,
    :class:`~pipelines.writeback.lock.PushAlreadyRunning`, and
    :class:`~pipelines.writeback.warehouse.WarehouseUnavailable`; failures while sending are
    recorded in the returned run (status ``Failed``), not raised.
    """
    if not 1 <= batch_size <= COLLECTION_BATCH:
        raise ValueError(f"batch_size must be between 1 and {COLLECTION_BATCH}, got {batch_size}")
    home_path = sfsync_home(home)
    config, version = config_in_force(config, home_path)
    if not config.writeback.enabled:
        raise WritebackDisabled()
    catalog = catalog if catalog is not None else load_catalog(home_path)
    session = OrgSession(client)
    with push_lock(home_path):
        notes = recover(home_path, session, catalog)
        plan = build_plan(config, home_path, catalog=catalog, batch_size=batch_size, wait_s=wait_s)
        run_id = outbox.open_run(
            home_path,
            job_id=job_id,
            config_version=version,
            pid=os.getpid(),
            host=socket.gethostname(),
        )
        outbox.add_planned(
            home_path, run_id, (r for m in plan.mappings for r in m.planned_records())
        )
        sender = _Sender(home_path, run_id, session, batch_size, poll, write_attempts)
        calls: dict[int, int] = {}
        stop: str | None = None
        not_sent: str | None = None
        try:
            for mapping in plan.mappings:
                if mapping.ok and mapping.to_send:
                    before = session.api_calls
                    try:
                        sender.send(mapping)
                    finally:
                        calls[mapping.index] = session.api_calls - before
        except BudgetExceeded as exc:
            stop = str(exc)
            not_sent = "the API budget was reached before this record was sent"
        except SalesforceError as exc:
            stop = f"push stopped: {exc}"
            not_sent = "the push stopped (Salesforce error) before this record was sent"
        except BaseException as exc:
            reason = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "stopped"
            outbox.finish_run(
                home_path,
                run_id,
                status="Failed",
                api_calls=session.api_calls,
                summary=_summary(home_path, run_id, plan, calls),
                message=f"{reason}: {type(exc).__name__}: {exc}",
                not_sent_reason=f"the push was {reason} before this record was sent",
            )
            raise
        summary = _summary(home_path, run_id, plan, calls)
        message = _message(summary, [*notes, *sender.notes], stop)
        run = outbox.finish_run(
            home_path,
            run_id,
            status="Failed" if stop else "Completed",
            api_calls=session.api_calls,
            summary=summary,
            message=message,
            not_sent_reason=not_sent,
        )
    result = run_result(home_path, run)
    result.plan = plan
    result.notes = [*notes, *sender.notes]
    return result


class _Sender:
    """Sends the batches of one run and records each outcome."""

    def __init__(
        self,
        home: Path,
        run_id: int,
        session: OrgSession,
        batch_size: int,
        poll: bulk.PollPolicy | None,
        write_attempts: int,
    ) -> None:
        self.home = home
        self.run_id = run_id
        self.session = session
        self.batch_size = batch_size
        self.poll = poll
        self.write_attempts = write_attempts
        self.batch = 0
        self.notes: list[str] = []

    def send(self, mapping: MappingPlan) -> None:
        records: list[Payload] = [(r.record_id, r.payload) for r in mapping.to_send]
        groups: Iterator[list[Payload]]
        if mapping.transport == "bulk":
            groups = bulk.chunks(records, mapping.targets)
        else:
            groups = _chunks(records, self.batch_size)
        for group in groups:
            if not self._send_batch(mapping, group):
                return

    def _send_batch(self, mapping: MappingPlan, group: list[Payload]) -> bool:
        """Send one batch; ``False`` when the rest of the mapping must not be sent."""
        self.batch += 1
        number = self.batch
        transport = mapping.transport or "collections"
        outbox.start_batch(
            self.home,
            self.run_id,
            number,
            mapping=mapping.index,
            object_name=mapping.object,
            transport=transport,
            record_ids=[rid for rid, _ in group],
        )
        try:
            outcomes = self._write(mapping, transport, number, group)
        except BatchNotSent as exc:
            outbox.release_batch(self.home, self.run_id, number)
            raise exc.__cause__ or exc from None
        except SalesforceApiError as err:
            # Refused as a whole (a 4xx): nothing of it was written, and the next batch of
            # this mapping would be refused the same way.
            outcomes = [Outcome(rid, False, err.code, err.message) for rid, _ in group]
            self.notes.append(
                f"{mapping.label}: Salesforce refused a whole batch ({err}); the rest of this "
                "mapping was not sent"
            )
            self._record(number, outcomes)
            return False
        self._record(number, outcomes)
        return True

    def _write(
        self, mapping: MappingPlan, transport: str, number: int, group: list[Payload]
    ) -> list[Outcome]:
        if transport == "bulk":
            return bulk.update(
                self.session,
                mapping.object,
                group,
                mapping.targets,
                on_job=lambda job_id: outbox.set_bulk_job(self.home, self.run_id, number, job_id),
                poll=self.poll,
                attempts=self.write_attempts,
            )
        return collections.update(
            self.session, mapping.object, group, mapping.targets, attempts=self.write_attempts
        )

    def _record(self, number: int, outcomes: Sequence[Outcome]) -> None:
        outbox.finish_batch(
            self.home,
            self.run_id,
            number,
            outcomes,
            self.session.server_time(),
            api_calls=self.session.api_calls,
        )


def _chunks(records: list[Payload], size: int) -> Iterator[list[Payload]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _summary(home: Path, run_id: int, plan: Plan, calls: dict[int, int]) -> list[dict[str, Any]]:
    counts = outbox.status_counts(home, run_id)
    summary: list[dict[str, Any]] = []
    for m in plan.mappings:
        done = counts.get(m.index, {})
        summary.append(
            {
                "index": m.index,
                "model": m.model,
                "object": m.object,
                "transport": m.transport,
                "planned": len(m.to_send),
                "sent": done.get("sent", 0),
                "failed": done.get("failed", 0),
                "conflict_policy": m.conflict_policy,
                "conflicts": len(m.conflicted),
                "unchanged": m.unchanged,
                "api_calls": calls.get(m.index, 0),
                "fields": {
                    name: {"changes": s.changes, "conflicts": s.conflicts}
                    for name, s in m.fields.items()
                },
                "issues": [str(i) for i in m.issues],
                "notes": list(m.notes),
            }
        )
    return summary


def _message(summary: list[dict[str, Any]], notes: list[str], stop: str | None) -> str:
    lines = [stop] if stop else []
    for m in summary:
        label = f"{m['model']} → {m['object']}"
        if m["issues"]:
            lines.append(f"{label}: not pushed ({len(m['issues'])} issue(s)): {m['issues'][0]}")
            continue
        parts = [f"{m['sent']} sent"]
        if m["failed"]:
            parts.append(f"{m['failed']} failed")
        if m["conflicts"]:
            parts.append(f"{m['conflicts']} conflict(s)")
        parts.append(f"{m['unchanged']} unchanged")
        how = f" via {m['transport']}" if m["transport"] else ""
        calls = m["api_calls"]
        lines.append(
            f"{label}: {', '.join(parts)}{how} ({calls} API call{'s' if calls != 1 else ''})"
        )
    lines += notes
    return "\n".join(lines)
