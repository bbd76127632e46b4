"""Fixtures for the transform tests: fixture orgs loaded once per session, and the sentiment
scorer. Scenario builds live in test_marts.py (one dbt build per scenario, module-scoped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from transform_fixtures import FixtureOrg, load_fixture_org

from pipelines.transform.sentiment import SupportSentiment


@pytest.fixture(scope="session")
def fixture_orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FixtureOrg]:
    work = tmp_path_factory.mktemp("transform-orgs")
    return {name: load_fixture_org(name, work) for name in ("basic", "multicurrency")}


@pytest.fixture(scope="session")
def scorer() -> SupportSentiment:
    return SupportSentiment.from_file()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $SFSYNC_HOME (empty)."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SFSYNC_HOME", str(path))
    monkeypatch.delenv("SFSYNC_DEFAULT_CONFIG", raising=False)
    return path
