"""Read and validate configs: every problem reported at once, each where it is.

    >>> config = load_config_file("configs/default.yaml")
    >>> validate_config(config, load_catalog())
    []

:func:`validate_config` returns issues; :func:`ensure_valid` raises
:class:`~pipelines.config.issues.InvalidConfigError` carrying all of them. A document that does
not even have the right shape fails in :func:`parse_config`, with the same kind of issues.

With ``account_filtering.validate_with_api``, every filter that passes locally is also sent to
the org as ``SELECT Id FROM <object> WHERE <filter> LIMIT 1`` through ``run_query``, any
callable that raises with Salesforce's error text (the extractor's REST client provides one),
and what Salesforce says is reported next to the filter.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.config.credentials import find_credentials
from pipelines.config.issues import (
    SALESFORCE_API,
    UNREADABLE,
    UNSUPPORTED_VERSION,
    ConfigIssue,
    InvalidConfigError,
    issues_from_validation_error,
    sort_issues,
)
from pipelines.config.model import SCHEMA_VERSION, SECTIONS, IntegrationConfig
from pipelines.config.resolve import ResolvedFilter, resolve_config
from pipelines.soql.catalog import Catalog

RunQuery = Callable[[str], object]

_SF_POSITION = re.compile(r"ERROR at Row:(\d+):Column:(\d+)")


def parse_config(document: Any) -> IntegrationConfig:
    """An :class:`IntegrationConfig` from a parsed YAML/JSON document, or InvalidConfigError."""
    if isinstance(document, IntegrationConfig):
        document = document.to_document()
    if not isinstance(document, Mapping):
        raise InvalidConfigError(
            [ConfigIssue((), f"expected a mapping of sections, got {type(document).__name__}")]
        )
    issues = find_credentials(document)
    version = document.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        issues.append(
            ConfigIssue(
                ("schema_version",),
                f"written by a newer sfsync (schema version {version}; this one reads up to "
                f"{SCHEMA_VERSION})",
                UNSUPPORTED_VERSION,
            )
        )
    try:
        config = IntegrationConfig.model_validate(dict(document))
    except ValidationError as err:
        # A credential key is also an unknown key: report it once, as the credential.
        flagged = {issue.location for issue in issues}
        issues += [
            issue
            for issue in issues_from_validation_error(err, document, IntegrationConfig)
            if issue.location not in flagged
        ]
    if issues:
        raise InvalidConfigError(sort_issues(issues, SECTIONS))
    return config


def load_config_file(path: str | os.PathLike[str]) -> IntegrationConfig:
    """Read a config from a ``.yaml``/``.yml`` or ``.json`` file (YAML also reads JSON)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidConfigError(
            [ConfigIssue((), f"cannot read {file}: {exc.strerror or exc}", UNREADABLE)], str(file)
        ) from None
    try:
        document = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = " ".join(str(exc).split())
        raise InvalidConfigError(
            [ConfigIssue((), f"{file} is not valid {_format_of(file)}: {detail}", UNREADABLE)],
            str(file),
        ) from None
    try:
        return parse_config(document)
    except InvalidConfigError as err:
        raise InvalidConfigError(err.issues, str(file)) from None


def validate_config(
    config: IntegrationConfig, catalog: Catalog, *, run_query: RunQuery | None = None
) -> list[ConfigIssue]:
    """Every issue of ``config`` against ``catalog``, in document order (empty when valid).

    ``run_query`` is used only when ``account_filtering.validate_with_api`` is on.
    """
    issues = find_credentials(config.to_document())
    resolution = resolve_config(config, catalog)
    flagged = {issue.location for issue in issues}
    issues += [issue for issue in resolution.issues if issue.location not in flagged]
    if config.account_filtering.validate_with_api and run_query is not None:
        issues += check_filters_with_api(resolution.filters, run_query)
    return sort_issues(issues, SECTIONS)


def ensure_valid(
    config: IntegrationConfig, catalog: Catalog, *, run_query: RunQuery | None = None
) -> IntegrationConfig:
    """``config`` itself when it is valid; otherwise raise InvalidConfigError with every issue."""
    issues = validate_config(config, catalog, run_query=run_query)
    if issues:
        raise InvalidConfigError(issues)
    return config


def soql_probe(f: ResolvedFilter) -> str:
    """The query that checks filter ``f`` against the org: one row at most, only the Id."""
    return f"SELECT Id FROM {f.object} WHERE {f.text} LIMIT 1"


def check_filters_with_api(filters: list[ResolvedFilter], run_query: RunQuery) -> list[ConfigIssue]:
    """Send each filter to the org; an exception becomes an issue carrying Salesforce's text.

    When Salesforce points at a place in the probe query, the row and column are translated
    back into the filter text as the admin typed it.
    """
    found: list[ConfigIssue] = []
    for f in filters:
        query = soql_probe(f)
        try:
            run_query(query)
        except Exception as exc:  # any client, any error type: Salesforce's text is what counts
            text = str(exc).strip() or type(exc).__name__
            row, column = _position_in_filter(text, query, f.text)
            found.append(ConfigIssue(f.location, text, SALESFORCE_API, f.item, row, column))
    return found


def _position_in_filter(message: str, query: str, text: str) -> tuple[int | None, int | None]:
    match = _SF_POSITION.search(message)
    if match is None:
        return None, None
    row, column = int(match.group(1)), int(match.group(2))
    prefix = len(query) - len(text) - len(" LIMIT 1")
    if row == 1:
        column -= prefix
        if column < 1:
            return None, None
    return row, column


def _format_of(file: Path) -> str:
    return "JSON" if file.suffix.lower() == ".json" else "YAML"
