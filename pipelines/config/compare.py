"""What changed between two configs: a unified diff of their JSON, or a list of changed fields."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from pipelines.config.issues import Location, format_location


def pretty_json(document: Any) -> str:
    """The JSON the wizard's "Show JSON" shows (and ``sfsync config show --json`` prints)."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def unified_diff(old: Any, new: Any, old_name: str = "a", new_name: str = "b") -> str:
    """A unified diff of two documents' pretty JSON ("" when they are equal)."""
    lines = difflib.unified_diff(
        pretty_json(old).splitlines(keepends=True),
        pretty_json(new).splitlines(keepends=True),
        fromfile=old_name,
        tofile=new_name,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    """One value that differs: ``old``/``new`` are ``None`` when the path is absent on that side."""

    location: Location
    old: Any
    new: Any
    kind: str  # "changed", "added" or "removed"

    @property
    def path(self) -> str:
        return format_location(self.location)

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {_short(self.new)}"
        if self.kind == "removed":
            return f"- {self.path}: {_short(self.old)}"
        return f"~ {self.path}: {_short(self.old)} -> {_short(self.new)}"


def field_changes(old: Any, new: Any, location: Location = ()) -> list[FieldChange]:
    """Every leaf that differs between two documents, walking mappings by key, lists by index."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[FieldChange] = []
        for key in [*old, *(k for k in new if k not in old)]:
            a, b = old.get(key, _MISSING), new.get(key, _MISSING)
            here = (*location, key)
            if a is _MISSING:
                found.append(FieldChange(here, None, b, "added"))
            elif b is _MISSING:
                found.append(FieldChange(here, a, None, "removed"))
            else:
                found.extend(field_changes(a, b, here))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for i in range(max(len(old), len(new))):
            here = (*location, i)
            if i >= len(old):
                found.append(FieldChange(here, None, new[i], "added"))
            elif i >= len(new):
                found.append(FieldChange(here, old[i], None, "removed"))
            else:
                found.extend(field_changes(old[i], new[i], here))
        return found
    return [] if old == new else [FieldChange(location, old, new, "changed")]


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
