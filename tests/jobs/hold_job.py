"""A second process for the lock tests: runs a sync job whose extract step waits for a file.

    python tests/jobs/hold_job.py HOME RELEASE_FILE

The job reports progress on Account, then waits until RELEASE_FILE exists (or the process is
killed), then completes with 40 Account rows.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs_fixtures import no_transform

from pipelines.jobs import run_job


@dataclass
class Outcome:
    rows_per_object: dict[str, int]
    api_calls: int = 3
    duration_s: float = 0.0
    messages: list[str] = field(default_factory=list)


def main(home: Path, release: Path) -> int:
    def extract(home: Path, *, progress: Any = None, **options: Any) -> Outcome:
        progress("Account", 10, 40)
        while not release.exists():
            time.sleep(0.05)
        progress("Account", 40, 40)
        return Outcome({"Account": 40})

    job = run_job(
        home,
        transform=no_transform,
        extract=extract,
        on_start=lambda job_id: print(job_id, flush=True),
    )
    print(job.status, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
