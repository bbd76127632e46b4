"""Save Configuration, the version history, the diff of two versions, and rollback.

Each section's Save button replaces its section in the config in force and saves the whole
document as the next version. The whole config is validated first; on any issue nothing is
saved and the issues come back, located, for the forms to show next to their fields::

    result = save_sections(store, doc, {"owner_mapping": rows}, author="ada", comment="CSM")
    result.ok, result.version.version, result.issues

    rollback(store, 1).version        # activate version 1 again; history is kept
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.config.compare import field_changes, unified_diff
from pipelines.config.issues import ConfigIssue, InvalidConfigError
from pipelines.config.store import ConfigStore, ConfigVersion, VersionNotFoundError
from pipelines.config.validation import RunQuery, parse_config, validate_config
from pipelines.wizard.forms import replace_sections
from pipelines.wizard.placement import friendly

API_CHECK_UNAVAILABLE = (
    "Validate SOQL with Salesforce API is on, but no org is connected: connect on the "
    "Connection page, or turn the toggle off"
)


@dataclass(frozen=True)
class SaveResult:
    """A new version, or why there is none (``issues``, or nothing changed)."""

    version: ConfigVersion | None = None
    issues: list[ConfigIssue] = field(default_factory=list)
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return self.version is not None


def save_sections(
    store: ConfigStore,
    base: dict[str, Any],
    sections: dict[str, Any],
    *,
    author: str,
    comment: str = "",
    extra_issues: list[ConfigIssue] | None = None,
    run_query: RunQuery | None = None,
) -> SaveResult:
    """Replace ``sections`` in ``base`` and save the result as a new version.

    ``extra_issues`` are problems the forms found themselves (a line of a text box that does not
    parse); they block the save like validation issues. ``run_query`` sends filters to the org
    when the config asks for it (``validate_with_api``); without a connection that is an issue.
    """
    document = replace_sections(base, **sections)
    issues = list(extra_issues or [])
    wants_api = bool(document.get("account_filtering", {}).get("validate_with_api"))
    if wants_api and run_query is None:
        issues.append(
            ConfigIssue(
                ("account_filtering", "validate_with_api"), API_CHECK_UNAVAILABLE, "CONNECTION"
            )
        )
    active = store.active()
    if not issues and active is not None and active.document == document:
        return SaveResult(unchanged=True)
    store.run_query = run_query
    try:
        if issues:
            # Still validate, so every problem is reported at once, but save nothing.
            try:
                issues += validate_config(
                    parse_config(document), store.catalog, run_query=run_query
                )
            except InvalidConfigError as err:
                issues += err.issues
            return SaveResult(issues=friendly(issues))
        version = store.save(document, author=author, comment=comment)
    except InvalidConfigError as err:
        return SaveResult(issues=friendly(err.issues))
    return SaveResult(version=version)


@dataclass(frozen=True)
class VersionRow:
    version: int
    created_at: str
    author: str
    comment: str
    active: bool

    @property
    def label(self) -> str:
        mark = " (active)" if self.active else ""
        return f"v{self.version}{mark} · {self.created_at[:19].replace('T', ' ')} · {self.author}"


def version_rows(store: ConfigStore) -> list[VersionRow]:
    """Every saved version, newest first."""
    return [
        VersionRow(v.version, v.created_at, v.author, v.comment, v.is_active)
        for v in store.history()
    ]


@dataclass(frozen=True)
class VersionDiff:
    old: int
    new: int
    text: str
    changes: list[str]


def version_diff(store: ConfigStore, old: int, new: int) -> VersionDiff:
    """What changed from version ``old`` to version ``new``."""
    a, b = store.get(old).document, store.get(new).document
    return VersionDiff(
        old,
        new,
        unified_diff(a, b, f"v{old}", f"v{new}"),
        [str(change) for change in field_changes(a, b)],
    )


@dataclass(frozen=True)
class RollbackResult:
    version: ConfigVersion | None = None
    issues: list[ConfigIssue] = field(default_factory=list)
    problem: str | None = None


def rollback(store: ConfigStore, version: int) -> RollbackResult:
    """Make ``version`` the active one; refused (with why) if it no longer validates."""
    try:
        return RollbackResult(version=store.activate(version))
    except VersionNotFoundError as err:
        return RollbackResult(problem=str(err))
    except InvalidConfigError as err:
        return RollbackResult(
            issues=friendly(err.issues),
            problem=f"version {version} no longer validates against the org's schema",
        )
