"""A sync job that receives SIGTERM while dlt is loading its first table.

    python tests/jobs/term_during_load.py HOME

The signal is sent from inside dlt's first DuckDB copy job (wrapped here, from outside
sfsync), so it always lands in the load step, where dlt's own signal handling used to note it
and let the job run on to completion.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

from pipelines.cli import main

sent = threading.Event()
copy = DuckDbCopyJob.run


def run_then_terminate(self: Any) -> None:
    if not sent.is_set():
        sent.set()
        os.kill(os.getpid(), signal.SIGTERM)
    copy(self)


DuckDbCopyJob.run = run_then_terminate  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(["sync"]))
