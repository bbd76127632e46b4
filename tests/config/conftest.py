"""Fixtures for the config tests: a private $SFSYNC_HOME and the built-in catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import builtin_catalog
from pipelines.soql.catalog import Catalog


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty $SFSYNC_HOME; the code default is the repository's configs/default.yaml."""
    path = tmp_path / "home"
    monkeypatch.setenv("SFSYNC_HOME", str(path))
    monkeypatch.delenv("SFSYNC_DEFAULT_CONFIG", raising=False)
    return path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return builtin_catalog()
