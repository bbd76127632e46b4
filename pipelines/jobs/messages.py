"""The words of a job's ``sync_message``: errors as Salesforce put them, zero rows named as such.

Salesforce's errors already say what is wrong in terms an admin can look up
(``INVALID_FIELD: No such column 'Tier__c' on entity 'Account'``), so an error raised by our own
modules is kept in its own words; only an unexpected Python error gets its type in front, so it
can still be told apart from a Salesforce answer. Everything goes through
:func:`pipelines.jobs.scrub.scrub` before it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pipelines.jobs.audit import JobKind
from pipelines.jobs.scrub import scrub

ZERO_ROWS = "completed with zero rows"

_ZERO_ROW_CAUSES_PERIODIC = (
    "nothing changed in Salesforce since the last job's cursor (SystemModstamp) — "
    "normal for a quiet org or a short interval",
)
_ZERO_ROW_CAUSES = (
    "the account filter (or an object's filter) excludes every record — check it with the "
    "wizard's preview",
    "the connected user lacks read permission on the objects (profile or permission sets)",
    "the credentials point at a different org than intended (sandbox instead of production, or "
    "the package installed in another org)",
)


def zero_rows_message(kind: JobKind) -> str:
    """The message of a job that loaded nothing, with the likely causes."""
    causes = (*(_ZERO_ROW_CAUSES_PERIODIC if kind == "periodic" else ()), *_ZERO_ROW_CAUSES)
    return f"{ZERO_ROWS}. Likely causes: " + "; ".join(causes) + "."


def empty_objects_message(objects: Iterable[str]) -> str:
    """A bootstrap note for objects that came back empty while others did not."""
    names = ", ".join(sorted(objects))
    return (
        f"zero rows for {names}: their filter may exclude everything, the connected user may "
        "lack read permission on them, or the org does not use them."
    )


def error_message(exc: BaseException) -> str:
    """One scrubbed message for a failed step: Salesforce's words, or ``Type: text``."""
    text = str(exc).strip()
    ours = type(exc).__module__.startswith("pipelines.")
    if not text:
        text = type(exc).__name__
    elif not ours:
        text = f"{type(exc).__name__}: {text}"
    return scrub(text)


def budget_message(exc: BaseException, rows_per_object: Mapping[str, int] | None) -> str:
    """A job stopped by the extractor's API budget: its words, and what was loaded before."""
    if rows_per_object is None:
        return scrub(str(exc))
    return scrub(f"{exc} Rows loaded before the stop: {sum(rows_per_object.values()):,}.")


def join_messages(parts: Sequence[str | None]) -> str | None:
    """Non-empty parts, one per line (``None`` when there is nothing to say)."""
    lines = [p.strip() for p in parts if p and p.strip()]
    return scrub("\n".join(lines)) if lines else None
