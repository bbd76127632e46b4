"""Polling a Bulk 2.0 ingest job the way clients do: it is processed after ``UploadComplete``."""

from __future__ import annotations

import time
from typing import Any

import requests

FINAL_STATES = ("JobComplete", "Failed", "Aborted")


def wait_for_job(http: requests.Session, job_url: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll ``GET job_url`` until the job reaches a final state; returns the job info."""
    deadline = time.monotonic() + timeout
    while True:
        info: dict[str, Any] = http.get(job_url, timeout=30).json()
        if info["state"] in FINAL_STATES:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {info['state']} after {timeout} s")
        time.sleep(0.02)
