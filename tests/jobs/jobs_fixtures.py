"""Helpers shared by the job runner tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SKIPPED = "transform skipped by this runner test"


def no_transform(home: Path, config: Any) -> str:
    """The transform step for runner tests whose extract step is a stand-in (nothing to build)."""
    return SKIPPED
