"""When to try an HTTP call again, and how long to wait first.

Salesforce (and the network in front of it) fails transiently: 5xx answers, ``429``, timeouts,
connections reset or cut off halfway through a body. Those are retried with exponential backoff
and full jitter; everything else is answered at once.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; waits grow from ``backoff`` seconds up to ``max_backoff``."""

    attempts: int = 8
    backoff: float = 0.25
    max_backoff: float = 20.0

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to sleep before try number ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff)
            except ValueError:
                pass
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def sleep(self, attempt: int, retry_after: str | None = None) -> None:
        time.sleep(self.wait(attempt, retry_after))
