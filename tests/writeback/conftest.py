"""Write-back tests push to a sandbox org of their own, over HTTP, from a real warehouse.

``wb_org`` is built like the shared ``sandbox_org`` (the demo generator, served by uvicorn in a
thread) but separately: these tests change Account fields, which other suites read. Each test
gets a fresh ``SFSYNC_HOME`` (``home``) whose dlt credentials point at the org; ``sync`` loads
the org's accounts into its warehouse with the real extractor; ``make_model``
(``writeback_fixtures``) writes a model table the way dbt would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from writeback_fixtures import ACCOUNTS, ENV, SEED, Org

from pipelines.jobs.scrub import known_secret_values
from pipelines.salesforce import run_extract
from pipelines.sandbox.server import serve_in_thread


@pytest.fixture(scope="session")
def wb_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    from pipelines.sandbox.generator import generate_demo_org

    store = generate_demo_org(
        tmp_path_factory.mktemp("writeback-org"), accounts=ACCOUNTS, seed=SEED
    )
    server = serve_in_thread(store)
    try:
        yield Org(server.base_url, store, server)
    finally:
        server.stop()
        store.close()


@pytest.fixture
def org(wb_org: Org) -> Iterator[Org]:
    wb_org.reset_faults()
    yield wb_org
    wb_org.reset_faults()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wb_org: Org) -> Iterator[Path]:
    """A fresh SFSYNC_HOME, with dlt's credentials pointing at the org (as jobs find them)."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SFSYNC_HOME", str(path))
    creds = wb_org.credentials()
    for key in ("login_url", "client_id", "client_secret", "username", "password"):
        monkeypatch.setenv(ENV + key.upper(), str(getattr(creds, key)))
    known_secret_values.cache_clear()
    yield path
    known_secret_values.cache_clear()


@pytest.fixture
def sync(org: Org) -> Callable[[Path], None]:
    """Extract the org's accounts into ``home``'s warehouse (incremental after the first)."""

    def run(home: Path) -> None:
        run_extract(home, credentials=org.credentials(), objects=["Account"])

    return run
