"""Run one sync and kill this process (SIGKILL, no cleanup) at a chosen point.

    python tests/extract/crash_sync.py HOME LOGIN_URL POINT

``POINT`` is ``mid-extract`` (after a few pages arrived), ``after-extract`` (the package is
extracted, nothing normalized or loaded), ``mid-load`` (some load jobs done, others not) or
``job-committed`` (a load job's insert committed, but dlt never learned it finished).
The crash is injected from outside the extractor: through its progress callback, or by
wrapping dlt's own steps.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from pipelines.salesforce import SalesforceCredentials, run_extract

OBJECTS = ["Account", "Contact", "Opportunity", "Case", "CaseComment", "EmailMessage"]


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    home, login_url, point = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    progress = None
    if point == "mid-extract":
        pages = {"n": 0}
        lock = threading.Lock()

        def progress(name: str, rows: int, total: int | None) -> None:
            with lock:
                if rows:
                    pages["n"] += 1
                    if pages["n"] == 3:  # some pages handed to dlt, more on their way
                        die()

    elif point == "after-extract":
        from dlt.pipeline.pipeline import Pipeline

        calls = {"n": 0}
        original = Pipeline.normalize

        def normalize(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
            if self.has_pending_data and calls["n"] == 0 and self.list_extracted_load_packages():
                calls["n"] += 1
                die()
            return original(self, *args, **kwargs)

        Pipeline.normalize = normalize  # type: ignore[method-assign]
    elif point == "mid-load":
        from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

        jobs = {"n": 0}
        lock2 = threading.Lock()
        run = DuckDbCopyJob.run

        def crashing_run(self: DuckDbCopyJob) -> None:
            with lock2:
                jobs["n"] += 1
                if jobs["n"] == 4:
                    die()
            run(self)

        DuckDbCopyJob.run = crashing_run  # type: ignore[method-assign]
    elif point == "job-committed":
        from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

        copy = DuckDbCopyJob.run

        def committed_then_die(self: DuckDbCopyJob) -> None:
            copy(self)
            if "case_comment" in self._file_path:
                die()

        DuckDbCopyJob.run = committed_then_die  # type: ignore[method-assign]
    credentials = SalesforceCredentials(
        login_url=login_url,
        client_id="sandbox",
        client_secret="sandbox",
        username="admin@sandbox.local",
        password="sandbox",
    )
    credentials.resolve()
    run_extract(
        home, credentials=credentials, objects=OBJECTS, bulk_threshold=300, progress=progress
    )
    print("finished without crashing")


if __name__ == "__main__":
    main()
