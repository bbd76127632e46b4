"""Fault injection: the failures a real org produces, on demand, for tests and benchmarks.

Knobs (CLI options at start-up, or ``POST /_sandbox/faults`` with any subset as JSON):

=================  ==========================================================================
``latency_ms``     added before every answer (API, OAuth and SOAP calls)
``error_rate``     fraction of API calls answered with ``error_status`` (503 by default)
``error_next``     the next N API calls fail that way, deterministically
``expire_every``   every Nth API call finds its session expired (401 INVALID_SESSION_ID)
``daily_limit``    API calls per UTC day; beyond it, 403 REQUEST_LIMIT_EXCEEDED
``drop_rate``      fraction of successful API answers cut off halfway through the body
``drop_next``      the next N successful API answers are cut off, deterministically
``token_ttl``      seconds an access token stays valid (applies to tokens issued afterwards)
``bulk_delay_ms``  how long a Bulk 2.0 job reports ``InProgress`` before ``JobComplete``
``fail_writes``    rules that make matching record writes fail with a validation error
=================  ==========================================================================

A ``fail_writes`` rule is ``{"object": "Account", "id"?: "001…", "field"?: "Name",
"message"?: "…", "times"?: 1}``: the next write of that object (that record, touching that
field) fails with ``FIELD_CUSTOM_VALIDATION_EXCEPTION``; ``times: 0`` keeps the rule forever.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from pipelines.sandbox.errors import ApiError

VALIDATION_CODE = "FIELD_CUSTOM_VALIDATION_EXCEPTION"
DEFAULT_VALIDATION_MESSAGE = "Rejected by a validation rule injected into the sandbox org"


@dataclass
class WriteRule:
    """Make the next write(s) of matching records fail like a validation rule does."""

    object: str
    id: str | None = None
    field: str | None = None
    message: str = DEFAULT_VALIDATION_MESSAGE
    times: int = 1

    def matches(self, object_name: str, record_id: str | None, field_names: Iterable[str]) -> bool:
        if self.object.lower() != object_name.lower():
            return False
        if self.id is not None and (record_id is None or record_id[:15] != self.id[:15]):
            return False
        if self.field is not None:
            wanted = self.field.lower()
            return any(name.lower() == wanted for name in field_names)
        return True

    def error(self) -> ApiError:
        return ApiError(400, VALIDATION_CODE, self.message, [self.field] if self.field else [])


@dataclass
class FaultSettings:
    """The knobs; see the module docstring. Zero or empty means "off"."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    error_next: int = 0
    expire_every: int = 0
    daily_limit: int = 100_000
    drop_rate: float = 0.0
    drop_next: int = 0
    token_ttl: int = 7200
    bulk_delay_ms: int = 0
    fail_writes: list[WriteRule] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_RATES = {"error_rate", "drop_rate"}
_COUNTS = {
    "latency_ms",
    "error_next",
    "expire_every",
    "daily_limit",
    "drop_next",
    "token_ttl",
    "bulk_delay_ms",
}


def parse_fault_update(doc: Any) -> dict[str, Any]:
    """Validate a ``POST /_sandbox/faults`` body into attribute updates; raise ValueError."""
    if not isinstance(doc, Mapping):
        raise ValueError("expected a JSON object of fault settings")
    known = {f.name for f in fields(FaultSettings)}
    updates: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in known:
            raise ValueError(f"unknown fault setting '{key}'; known: {', '.join(sorted(known))}")
        if key in _RATES:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{key} must be a number between 0 and 1")
            updates[key] = float(value)
        elif key in _COUNTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a whole number >= 0")
            updates[key] = value
        elif key == "error_status":
            if isinstance(value, bool) or not isinstance(value, int) or not 500 <= value <= 599:
                raise ValueError("error_status must be an HTTP status between 500 and 599")
            updates[key] = value
        elif key == "fail_writes":
            updates[key] = [_parse_rule(rule) for rule in _as_list(value)]
    return updates


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    raise ValueError("fail_writes must be a list of rules")


def _parse_rule(doc: Any) -> WriteRule:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("object"), str):
        raise ValueError('each fail_writes rule needs at least {"object": "<sObject name>"}')
    unknown = set(doc) - {"object", "id", "field", "message", "times"}
    if unknown:
        raise ValueError(f"unknown fail_writes key(s): {', '.join(sorted(unknown))}")
    times = doc.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or times < 0:
        raise ValueError("fail_writes times must be a whole number >= 0 (0 = every write)")
    for key in ("id", "field", "message"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise ValueError(f"fail_writes {key} must be a string")
    return WriteRule(
        object=doc["object"],
        id=doc.get("id"),
        field=doc.get("field"),
        message=doc.get("message") or DEFAULT_VALIDATION_MESSAGE,
        times=times,
    )


@dataclass(frozen=True)
class Verdict:
    """What the gateway does with one API call, decided before it runs."""

    expire: bool = False
    limit_exceeded: bool = False
    error_status: int = 0
    drop: bool = False


class FaultInjector:
    """The current knobs plus the counters they act on (API usage, calls since start)."""

    def __init__(self, settings: FaultSettings | None = None, seed: int | None = None) -> None:
        self.settings = settings or FaultSettings()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.calls = 0
        self.usage = 0
        self._usage_day = _today()

    # -- configuration ---------------------------------------------------------------------
    def update(self, doc: Any) -> None:
        updates = parse_fault_update(doc)
        with self._lock:
            for key, value in updates.items():
                setattr(self.settings, key, value)

    def reset_counters(self) -> None:
        with self._lock:
            self.calls = 0
            self.usage = 0
            self._usage_day = _today()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            self._roll_day()
            return {
                **self.settings.to_json(),
                "counters": {"api_calls": self.calls, "api_usage": self.usage},
            }

    # -- per call ----------------------------------------------------------------------------
    def on_api_call(self) -> Verdict:
        """Count one authenticated API call and decide which fault, if any, it meets."""
        s = self.settings
        with self._lock:
            self._roll_day()
            self.calls += 1
            if s.expire_every and self.calls % s.expire_every == 0:
                return Verdict(expire=True)
            if self.usage >= s.daily_limit:
                return Verdict(limit_exceeded=True)
            self.usage += 1
            if s.error_next:
                s.error_next -= 1
                return Verdict(error_status=s.error_status)
            if s.error_rate and self._rng.random() < s.error_rate:
                return Verdict(error_status=s.error_status)
            drop = False
            if s.drop_next:
                s.drop_next -= 1
                drop = True
            elif s.drop_rate and self._rng.random() < s.drop_rate:
                drop = True
            return Verdict(drop=drop)

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        return f"api-usage={self.usage}/{self.settings.daily_limit}"

    def remaining(self) -> int:
        return max(0, self.settings.daily_limit - self.usage)

    def check_write(
        self, object_name: str, record_id: str | None, field_names: Iterable[str]
    ) -> ApiError | None:
        """The injected validation error for this write, if a rule matches (consuming it)."""
        names = list(field_names)
        with self._lock:
            rules = self.settings.fail_writes
            for i, rule in enumerate(rules):
                if rule.matches(object_name, record_id, names):
                    if rule.times == 1:
                        del rules[i]
                    elif rule.times > 1:
                        rule.times -= 1
                    return rule.error()
        return None

    def _roll_day(self) -> None:
        today = _today()
        if today != self._usage_day:
            self._usage_day = today
            self.usage = 0


def _today() -> date:
    return datetime.now(UTC).date()
