"""Sandbox-org tests share one server (``sandbox_org``, tests/conftest.py); ``org`` restores
the fault knobs after each test so that one test's faults never reach the next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def org(sandbox_org: Any) -> Iterator[Any]:
    yield sandbox_org
    sandbox_org.reset(faults=True)
