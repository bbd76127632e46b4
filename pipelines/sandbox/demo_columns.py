"""Column building blocks for the demo generator: every helper works on whole columns at once.

Times are ``int64`` milliseconds since the epoch (UTC) and dates ``int64`` days since the epoch
while generating; :func:`ts` and :func:`date` turn them into Arrow columns. Strings are Arrow
arrays built with Arrow's kernels (:func:`take` from a word list, :func:`join`), never Python
loops over rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MS_HOUR = 3_600_000
MS_DAY = 24 * MS_HOUR


def ts(ms: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """A UTC timestamp column (millisecond precision) from epoch milliseconds."""
    return pa.array(ms.astype(np.int64), type=pa.timestamp("ms", tz="UTC"), mask=mask)


def days(ms: np.ndarray) -> np.ndarray:
    """Epoch milliseconds → epoch days."""
    return np.floor_divide(ms, MS_DAY)


def date(day: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """A date column from epoch days."""
    return pa.array(day.astype(np.int32), type=pa.date32(), mask=mask)


def year_of(day: np.ndarray) -> np.ndarray:
    return day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def take(
    values: Sequence[str | None] | pa.Array, idx: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """``values[idx]`` per row; ``mask`` (true = null) blanks rows out."""
    table = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    return pc.take(table, pa.array(idx.astype(np.int64), mask=mask))


def rows_of(values: pa.Array, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Like :func:`take`, where a negative index (no such row) gives null."""
    missing = idx < 0 if mask is None else (idx < 0) | mask
    return pc.take(values, pa.array(np.maximum(idx, 0).astype(np.int64), mask=missing))


def join(*parts: Any) -> pa.Array:
    """Concatenate strings row by row (plain strings broadcast); a null part gives null."""
    return pc.binary_join_element_wise(*parts, "")


def keep(where: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` where ``where`` is true, null elsewhere."""
    return pc.if_else(pa.array(where), values, pa.scalar(None, values.type))


def either(where: np.ndarray, yes: Any, no: Any) -> pa.Array:
    return pc.if_else(pa.array(where), yes, no)


def text(values: Any) -> pa.Array:
    return pc.cast(values, pa.string())


def num(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, mask=mask)


def padded(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded strings: ``padded([7], 4)`` → ``["0007"]``."""
    return pc.utf8_lpad(text(pa.array(values.astype(np.int64))), width=width, padding="0")


def choice(rng: np.random.Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def group_rank(parent: np.ndarray) -> np.ndarray:
    """Position of each row among consecutive rows with the same parent: ``[0, 0, 1, 2, 0]``."""
    n = len(parent)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(parent)) + 1]
    sizes = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, sizes)


class Phrases:
    """Strings in groups (one group per tone, say), picked per row by group number."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.values = pa.array([s for g in groups for s in g], type=pa.string())
        self.counts = np.array([len(g) for g in groups], dtype=np.int64)
        self.offsets = np.r_[0, np.cumsum(self.counts)[:-1]]

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> pa.Array:
        idx = self.offsets[group] + (rng.random(len(group)) * self.counts[group]).astype(np.int64)
        return pc.take(self.values, pa.array(idx))


@dataclass
class Lifecycle:
    """Bookkeeping times of a batch of records (epoch milliseconds) and who touched them last."""

    created: np.ndarray
    modified: np.ndarray
    modstamp: np.ndarray
    by_integration: np.ndarray  # last change made by the integration user
    deleted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    delete_roots: pa.Array | None = None
    deleted_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def touch(self, at: np.ndarray, where: np.ndarray) -> None:
        """A later change at ``at`` for the rows in ``where`` (never moving times backwards)."""
        self.modified = np.where(where, np.maximum(self.modified, at), self.modified)
        self.modstamp = np.maximum(self.modstamp, self.modified)

    def columns(self) -> dict[str, pa.Array]:
        cols = {
            "CreatedDate": ts(self.created),
            "LastModifiedDate": ts(self.modified),
            "SystemModstamp": ts(self.modstamp),
        }
        if self.deleted.size:
            cols["IsDeleted"] = pa.array(self.deleted)
        return cols


def reorder(order: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """The same permutation applied to several arrays."""
    return [a[order] for a in arrays]
