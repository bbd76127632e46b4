"""Job tests run in a fresh ``SFSYNC_HOME`` each; ``extract_step`` builds stand-in extract steps.

The stand-ins are passed to ``run_job(extract=...)``, the runner's own parameter for its
extract step, so the tests exercise the real runner, audit table, lock and CLI; the end-to-end
tests in ``test_jobs_sandbox.py`` run the real extractor against the sandbox org.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipelines.jobs.scrub import known_secret_values

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """What an extract step returns (the shape of ``pipelines.salesforce.ExtractResult``)."""

    rows_per_object: dict[str, int]
    api_calls: int = 7
    duration_s: float = 0.01
    messages: list[str] = field(default_factory=list)


@dataclass
class ExtractStep:
    """A stand-in extract step: reports progress, then returns ``rows`` or raises ``error``."""

    rows: Mapping[str, int] = field(default_factory=lambda: {"Account": 40, "Contact": 96})
    error: BaseException | None = None
    messages: Sequence[str] = ()
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        home: Path,
        *,
        config: Any = None,
        objects: Sequence[str] | None = None,
        full_refresh: bool = False,
        progress: Callable[[str, int, int | None], None] | None = None,
    ) -> Outcome:
        self.calls.append(
            {"home": home, "config": config, "objects": objects, "full_refresh": full_refresh}
        )
        for name, count in self.rows.items():
            if progress is not None:
                progress(name, 0, count)
                progress(name, count, count)
        if self.error is not None:
            raise self.error
        return Outcome(dict(self.rows), messages=list(self.messages))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("SFSYNC_HOME", str(path))
    known_secret_values.cache_clear()
    yield path
    known_secret_values.cache_clear()


@pytest.fixture
def extract_step() -> type[ExtractStep]:
    return ExtractStep


@pytest.fixture
def sfsync(home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``sfsync ARGS…`` as its own process in ``home``."""

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SFSYNC_HOME": str(home)}
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env=env,
        )

    return run
