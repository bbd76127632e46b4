"""Constants and helpers shared by the config tests (fixtures are in conftest.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.config import ConfigIssue, IntegrationConfig, parse_config
from pipelines.config.issues import Location
from pipelines.soql import DateContext

REPO = Path(__file__).resolve().parents[2]
DEFAULT_YAML = REPO / "configs" / "default.yaml"
CTX = DateContext(now=datetime(2025, 6, 15, 12, 0, tzinfo=UTC))

# The smallest valid config: every account whose Type is Customer.
MINIMAL: dict[str, Any] = {"account_filtering": {"mode": "single", "filter": "Type = 'Customer'"}}


def config_with(**sections: Any) -> IntegrationConfig:
    """:data:`MINIMAL` with the given sections replaced."""
    document = copy.deepcopy(MINIMAL)
    document.update(sections)
    return parse_config(document)


def issue_at(issues: list[ConfigIssue], *location: str | int) -> ConfigIssue:
    """The one issue at ``location``; fails listing every issue when there is not exactly one."""
    found = [i for i in issues if i.location == location]
    assert len(found) == 1, f"expected one issue at {location}, got: {[str(i) for i in issues]}"
    return found[0]


def locations(issues: list[ConfigIssue]) -> list[Location]:
    return [i.location for i in issues]
