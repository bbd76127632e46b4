"""The demo org: a deterministic, realistic customer-success Salesforce org of any size.

``generate_demo_org(path, accounts=N, seed=S)`` builds an org whose other objects scale with
``N`` (per account about 3 contacts, 2 opportunities, 0.7 contracts, 1.5 cases with 3 comments
and 1.5 emails each, 1.6 health assessments and 1.8 onboarding tasks), identical for identical
arguments::

    store = generate_demo_org(Path("data/sandbox"), accounts=2000, seed=42)

Every column is generated for all rows at once (numpy arrays, Arrow string kernels) and loaded
into DuckDB through Arrow, so 100,000 accounts and their ~1.7 million children take seconds.
The org's "now" is a fixed reference time, so the same seed gives the same data on any day;
records were created over the three years before it, cases over the last two.

Realism that downstream code must cope with, on purpose:

- bookkeeping: ``CreatedDate <= LastModifiedDate <= SystemModstamp``, and many records share
  one ``SystemModstamp`` (the initial data migration loads 200-row batches in the same
  millisecond, the weekly integration run stamps thousands of rows at once, a monthly system
  recalculation bumps only ``SystemModstamp``);
- soft deletes in every object, cascaded from deleted accounts and cases, all within the last
  14 days so that ``getDeleted`` reports them;
- messy values: blank account types, ``USA`` next to ``United States``, inactive owners;
- support conversations whose tone moves between angry and delighted.

The phases live in ``demo_users``, ``demo_accounts``, ``demo_deals``, ``demo_support`` and
``demo_success``; this module holds the shared machinery.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sandbox import demo_accounts, demo_deals, demo_success, demo_support
from pipelines.sandbox.demo_columns import MS_DAY, MS_HOUR, Lifecycle
from pipelines.sandbox.demo_users import Users, create_users
from pipelines.sandbox.schema import DEMO_CURRENCIES, demo_catalog
from pipelines.sandbox.store import OrgSettings, OrgStore

DEMO_REFERENCE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
"""The demo org's "now": the same seed gives the same org whatever the date."""

IMPORT_BATCH = 200  # rows per batch of the initial data migration (one Bulk API batch)
DELETE_WINDOW_DAYS = 14


def generate_demo_org(
    data_dir: Path | str,
    accounts: int = 200,
    seed: int = 42,
    multi_currency: bool = False,
    *,
    reference_time: datetime = DEMO_REFERENCE_TIME,
    timings: dict[str, float] | None = None,
) -> OrgStore:
    """Build the demo org in ``data_dir`` (replacing any org there) and return it, open.

    ``timings``, when given, receives the seconds each phase took (``users``, ``accounts``,
    ``cases``, …) and the ``total``, for benchmarks.
    """
    if accounts < 1:
        raise ValueError("a demo org needs at least one account")
    started = time.perf_counter()
    org = DemoOrg(Path(data_dir), accounts, seed, multi_currency, reference_time)
    org.build()
    if timings is not None:
        timings.update(org.timings)
        timings["total"] = time.perf_counter() - started
    return org.store


def demo_source(accounts: int, seed: int, multi_currency: bool) -> dict[str, Any]:
    """How a demo org is described in ``org.yaml`` (see :meth:`OrgStore.read_source`)."""
    return {"kind": "demo", "accounts": accounts, "seed": seed, "multi_currency": multi_currency}


class DemoOrg:
    """The org being generated: its store, its clock and the helpers every phase shares."""

    def __init__(
        self, data_dir: Path, accounts: int, seed: int, multi_currency: bool, now: datetime
    ) -> None:
        self.n = accounts
        self.seed = seed
        self.multi_currency = multi_currency
        self.ref = int(now.timestamp() * 1000)
        self.go_live = int((now - timedelta(days=3 * 365)).timestamp() * 1000)
        self.timings: dict[str, float] = {}
        self.users: Users
        self.rates = dict(DEMO_CURRENCIES) if multi_currency else {"USD": 1.0}
        settings = OrgSettings.new(
            f"demo-{seed}", org_name="sfsync Demo Org", multi_currency=multi_currency
        )
        self.store = OrgStore.create(
            data_dir,
            demo_catalog(multi_currency=multi_currency),
            settings,
            source=demo_source(accounts, seed, multi_currency),
            overwrite=True,
            building=True,
            now=self.moment(self.go_live - 30 * MS_DAY),
        )
        # The weekly integration run (usage data and health scores written back in bulk) and
        # the monthly system recalculation each stamp many rows in the same millisecond.
        weeks = np.arange(156)
        runs = self.ref - 7 * MS_DAY * (weeks + 1) - 22 * MS_HOUR + 417 * weeks
        self.integration_runs = np.sort(runs[runs > self.go_live])
        months = np.arange(1, 36)
        self.system_runs = np.sort(self.ref - months * 30 * MS_DAY - 20 * MS_HOUR + 91 * months)

    def build(self) -> None:
        with self.phase("users"):
            self.users = create_users(self)
        with self.phase("accounts"):
            accounts = demo_accounts.generate_accounts(self)
        with self.phase("contacts"):
            contacts = demo_accounts.generate_contacts(self, accounts)
        with self.phase("opportunities"):
            demo_deals.generate_opportunities(self, accounts, contacts)
        with self.phase("contracts"):
            demo_deals.generate_contracts(self, accounts, contacts)
        with self.phase("accounts"):
            self.load("Account", accounts.columns, accounts.life)
        with self.phase("cases"):
            cases = demo_support.generate_cases(self, accounts, contacts)
        with self.phase("case_comments"):
            demo_support.generate_comments(self, cases)
        with self.phase("email_messages"):
            demo_support.generate_emails(self, cases)
        with self.phase("account_health"):
            demo_success.generate_health(self, accounts)
        with self.phase("onboarding_tasks"):
            demo_success.generate_onboarding(self, accounts, contacts)
        with self.phase("currencies"):
            self.create_currencies()
        with self.phase("checkpoint"):
            self.store.finish_build()

    # --- shared machinery -------------------------------------------------------------------------

    def phase(self, name: str) -> _Phase:
        return _Phase(self.timings, name)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream of one object: changing one phase leaves the others' data alone."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def moment(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)

    def new_ids(self, object_name: str, n: int) -> pa.Array:
        return self.store.new_id_array(object_name, n)

    def load(self, object_name: str, columns: Mapping[str, Any], life: Lifecycle) -> None:
        """Append rows; fields the org's catalog lacks (``CurrencyIsoCode``, say) are dropped."""
        cols = {**life.columns(), **columns}
        obj = self.store.sobject(object_name)
        cols = {k: v for k, v in cols.items() if obj.field(k) is not None}
        self.store.load_arrow(object_name, cols, delete_roots=life.delete_roots)

    def spread(
        self, rng: np.random.Generator, n: int, start: int, end: int, growth: float = 0.0
    ) -> np.ndarray:
        """``n`` times in ``[start, end)``, denser towards ``end`` with ``growth``, in working hours."""
        u = rng.random(n) ** (1.0 / (1.0 + growth))
        day = start // MS_DAY + np.floor(u * max(1, (end - start) // MS_DAY)).astype(np.int64)
        hour = np.clip(rng.normal(16.5, 2.6, n), 12.0, 23.5)
        moment = day * MS_DAY + (hour * MS_HOUR).astype(np.int64) + rng.integers(0, 60_000, n)
        return np.clip(moment, start, end - 1)

    def imports(self, n: int, start: int) -> np.ndarray:
        """Created times of the initial data migration: batches of 200 rows share a millisecond."""
        return start + (np.arange(n) // IMPORT_BATCH) * 2_347

    def lifecycle(
        self,
        rng: np.random.Generator,
        created: np.ndarray,
        *,
        touched: float = 0.6,
        mean_gap_days: float = 60.0,
        integration_share: float = 0.0,
        system_share: float = 0.05,
    ) -> Lifecycle:
        """Modification times after ``created``: some rows never edited, some edited by the weekly
        integration run, some only re-stamped by the monthly system recalculation."""
        n = len(created)
        created = np.minimum(created, self.ref - 1)
        gap = rng.exponential(mean_gap_days * MS_DAY, n).astype(np.int64)
        gap[rng.random(n) >= touched] = 0
        # A change that would fall after "now" happened at some earlier moment instead.
        late = created + gap >= self.ref
        gap = np.where(late, (rng.random(n) * (self.ref - created)).astype(np.int64), gap)
        modified = np.clip(created + gap, created, self.ref - 1)
        by_integration = np.zeros(n, dtype=bool)
        runs = self.integration_runs
        if integration_share and runs.size:
            first = np.searchsorted(runs, created, side="right")
            k = np.minimum(
                first + (rng.random(n) * (runs.size - first)).astype(np.int64), runs.size - 1
            )
            take = (rng.random(n) < integration_share) & (first < runs.size) & (runs[k] > modified)
            modified = np.where(take, runs[k], modified)
            by_integration = take
        modstamp = modified.copy()
        sysruns = self.system_runs
        if system_share and sysruns.size:
            first = np.searchsorted(sysruns, modified, side="right")
            k = np.minimum(first, sysruns.size - 1)
            bump = (rng.random(n) < system_share) & (first < sysruns.size)
            modstamp = np.where(bump, sysruns[k], modstamp)
        return Lifecycle(created, modified, modstamp, by_integration)

    def delete(
        self,
        rng: np.random.Generator,
        life: Lifecycle,
        ids: pa.Array,
        rate: float,
        *,
        eligible: np.ndarray | None = None,
        parent: np.ndarray | None = None,
        parent_life: Lifecycle | None = None,
    ) -> None:
        """Soft-delete some rows: their own deletions plus cascades from deleted parents.

        Sets ``life.deleted``, ``life.deleted_at`` (-1 when alive) and ``life.delete_roots``
        (the record whose deletion took each row with it). Small orgs still get one deletion.
        """
        n = len(life.created)
        own = rng.random(n) < rate
        candidates = np.arange(n)
        if eligible is not None:
            own &= eligible
            candidates = np.flatnonzero(eligible)
        if not own.any() and candidates.size >= 10:
            own[candidates[int(rng.integers(0, candidates.size))]] = True
        window_start = np.maximum(life.modstamp, self.ref - DELETE_WINDOW_DAYS * MS_DAY)
        own_at = window_start + (rng.random(n) * (self.ref - window_start)).astype(np.int64)
        deleted_at = np.where(own, own_at, -1)
        roots = ids
        if parent is not None and parent_life is not None and parent_life.delete_roots is not None:
            inherited_at = np.where(parent >= 0, parent_life.deleted_at[np.maximum(parent, 0)], -1)
            inherited = inherited_at >= 0
            deleted_at = np.where(inherited, np.maximum(inherited_at, life.modstamp), deleted_at)
            parent_roots = pc.take(parent_life.delete_roots, pa.array(np.maximum(parent, 0)))
            roots = pc.if_else(pa.array(inherited), parent_roots, ids)
        deleted = deleted_at >= 0
        life.modified = np.where(deleted, deleted_at, life.modified)
        life.modstamp = np.where(deleted, deleted_at, life.modstamp)
        life.deleted = deleted
        life.deleted_at = deleted_at
        life.delete_roots = roots

    def create_currencies(self) -> None:
        if not self.multi_currency:
            return
        corporate = self.store.settings.corporate_currency
        self.store.load_records(
            "CurrencyType",
            [
                {
                    "IsoCode": code,
                    "ConversionRate": rate,
                    "DecimalPlaces": 0 if code == "JPY" else 2,
                    "IsActive": True,
                    "IsCorporate": code == corporate,
                }
                for code, rate in self.rates.items()
            ],
            now=self.moment(self.go_live - 10 * MS_DAY),
        )


class _Phase:
    """``with org.phase("cases"):`` adds the block's duration to ``timings["cases"]``."""

    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings = timings
        self.name = name
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.started
        self.timings[self.name] = self.timings.get(self.name, 0.0) + elapsed
