"""What ``sfsync config …`` does, as plain functions returning the text to print.

``pipelines/cli.py`` only parses arguments and calls :func:`run` with one of these; every
failure a user can cause becomes one line per problem on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from typing import Any, TextIO

import yaml

from pipelines.config.compare import field_changes, pretty_json, unified_diff
from pipelines.config.issues import InvalidConfigError
from pipelines.config.store import ConfigStore, VersionNotFoundError
from pipelines.config.validation import load_config_file, validate_config


class CommandError(Exception):
    """A failure to report as one line, without a traceback."""


def run(
    action: Callable[[ConfigStore], str],
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``action`` on the store of ``$SFSYNC_HOME``; print its text, or its problems."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        text = action(ConfigStore())
    except InvalidConfigError as exc:
        for issue in exc.issues:
            print(_one_line(f"{exc.what}: {issue}"), file=err)
        return 1
    except (CommandError, VersionNotFoundError) as exc:
        print(f"error: {_one_line(str(exc))}", file=err)
        return 1
    except sqlite3.Error as exc:
        print(f"error: the control database could not be used: {_one_line(str(exc))}", file=err)
        return 1
    if text:
        print(text, end="" if text.endswith("\n") else "\n", file=out)
    return 0


def show(store: ConfigStore, *, as_json: bool) -> str:
    current = store.current()
    if current.config is None:
        raise CommandError(
            "Not Configured: no saved version and no code default; "
            "save one with `sfsync config save FILE`"
        )
    document = current.config.to_document()
    if as_json:
        return pretty_json(document)
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return f"# Source: {current.source.label}\n{body}"


def validate(store: ConfigStore, path: str) -> str:
    config = load_config_file(path)
    issues = validate_config(config, store.catalog)
    if issues:
        raise InvalidConfigError(issues, path)
    note = ""
    if config.account_filtering.validate_with_api:
        note = (
            "\nnote: validate_with_api is on, but the command line has no Salesforce connection "
            "yet; the filters were checked against the local catalog only"
        )
    return f"OK: {path} is valid{note}"


def save(store: ConfigStore, path: str, *, comment: str, author: str | None) -> str:
    try:
        saved = store.save(load_config_file(path), comment=comment, author=author)
    except InvalidConfigError as exc:
        raise InvalidConfigError(exc.issues, path) from None
    return f"Saved version {saved.version} (active) by {saved.author} at {saved.created_at}"


def activate(store: ConfigStore, version: int) -> str:
    before = store.active()
    store.activate(version)  # also when already active: rewrites dbt_vars.json
    if before is not None and before.version == version:
        return f"Version {version} is already active"
    was = f" (was v{before.version})" if before is not None else ""
    return f"Activated version {version}{was}"


def source(store: ConfigStore) -> str:
    return store.source().label


def history(store: ConfigStore, *, as_json: bool) -> str:
    versions = store.history()
    if as_json:
        return json.dumps([v.summary() for v in versions], indent=2)
    if not versions:
        return f"No saved versions; the current source is {store.source().label}"
    rows = [("version", "active", "saved at (UTC)", "author", "comment")]
    rows += [
        (
            f"v{v.version}",
            "*" if v.is_active else "",
            v.created_at,
            v.author,
            _one_line(v.comment),
        )
        for v in versions
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:4])) + "  " + r[4] for r in rows
    )


def diff(store: ConfigStore, a: str, b: str, *, by_field: bool) -> str:
    """Differences from ``a`` to ``b``: version numbers (``3`` or ``v3``) or ``default``."""
    name_a, doc_a = _document(store, a)
    name_b, doc_b = _document(store, b)
    if by_field:
        changes = field_changes(doc_a, doc_b)
        return "\n".join(str(c) for c in changes) if changes else f"{name_a} and {name_b} are equal"
    text = unified_diff(doc_a, doc_b, name_a, name_b)
    return text or f"{name_a} and {name_b} are equal"


def _document(store: ConfigStore, ref: str) -> tuple[str, dict[str, Any]]:
    if ref.lower() == "default":
        default = store.default_config()
        if default is None:
            raise CommandError("there is no code default (configs/default.yaml)")
        return "Default (Code)", default.to_document()
    try:
        number = int(ref.lower().removeprefix("v"))
    except ValueError:
        raise CommandError(f"'{ref}' is not a version number (e.g. 3) or 'default'") from None
    return f"v{number}", store.get(number).document


def _one_line(text: str) -> str:
    return " ".join(text.split())
