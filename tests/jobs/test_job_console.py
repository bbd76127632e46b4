"""What the CLI draws: per-object progress (plain lines or rich bars) and the end summary."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from jobs_fixtures import SKIPPED, no_transform

from pipelines.jobs import run_job
from pipelines.jobs.console import ProgressDisplay, summary


def test_plain_progress_lines_one_per_change() -> None:
    out = io.StringIO()
    with ProgressDisplay(out) as show:
        show("Account", 0, 1200)
        show("Account", 600, 1200)  # within the quiet interval: not printed
        show("Account", 1200, 1200)
        show("Account", 1200, 1200)  # the same again (after the load): not printed
        show("CaseComment", 5, None)
    assert out.getvalue().splitlines() == [
        "  Account                       0 / 1,200 rows (0%)",
        "  Account                   1,200 / 1,200 rows (100%)",
        "  CaseComment                   5 rows",
    ]


def test_rich_progress_bars_draw_per_object() -> None:
    out = io.StringIO()
    with ProgressDisplay(out, rich=True) as show:
        show("Account", 10, 40)
        show("Account", 40, 40)
        show("Contact", 3, None)
    text = out.getvalue()
    assert "Account" in text and "40/40" in text
    assert "Contact" in text


def test_summary(home: Path, extract_step: Any) -> None:
    job = run_job(
        home, transform=no_transform, extract=extract_step(rows={"Contact": 96, "Account": 1_040})
    )
    lines = summary(job).splitlines()
    assert lines[0].startswith("job 1 Completed (bootstrap, manual) in ")
    assert lines[1:4] == [
        "  Account         1,040",
        "  Contact            96",
        "  total           1,136 rows",
    ]
    assert lines[4] == "API calls: 7   config version: - (no saved version)"
    assert lines[5].startswith(SKIPPED)
