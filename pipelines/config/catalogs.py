"""Which catalog a config is validated and compiled against.

After the first sync, the org's own describe: the extractor writes it to
``$SFSYNC_HOME/describe_catalog.yaml`` in the ``schema.yaml`` shape of
:mod:`pipelines.soql.catalog`, one entry per described object with *all* its fields. Each object
it lists replaces the built-in one as a whole (a field the org does not have must not validate);
objects it does not list keep their built-in standard description.

Before the first sync there is no describe, and the built-in catalog stands in: the standard
objects with the demo org's custom objects and fields (``pipelines/sandbox/demo_schema.yaml``),
which is also what the sandbox org serves, so the code default validates out of the box.
"""

from __future__ import annotations

import dataclasses
import os
from functools import cache
from pathlib import Path

import yaml

from pipelines.config.control import sfsync_home
from pipelines.soql.catalog import Catalog, CatalogError, load_yaml, standard_catalog

DESCRIBE_CATALOG_FILE = "describe_catalog.yaml"


def describe_catalog_path(home: str | os.PathLike[str] | None = None) -> Path:
    """Where the extractor stores the synced describe catalog."""
    return sfsync_home(home, create=False) / DESCRIBE_CATALOG_FILE


def load_catalog(home: str | os.PathLike[str] | None = None) -> Catalog:
    """The synced describe catalog if there is one, else :func:`builtin_catalog` (do not mutate)."""
    path = describe_catalog_path(home)
    if path.is_file():
        return catalog_from_describe(path.read_text(encoding="utf-8"), source=str(path))
    return builtin_catalog()


def catalog_from_describe(text: str, *, source: str = DESCRIBE_CATALOG_FILE) -> Catalog:
    """Standard objects, with every object the describe document lists replaced by its describe."""
    try:
        doc = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    described = Catalog.from_mapping(doc, source=source)
    result = Catalog()
    for obj in standard_catalog():
        # Copies: link_children() rewrites child relationships, and the standard catalog is shared.
        result.add(dataclasses.replace(obj, fields=dict(obj.fields), child_relationships={}))
    for obj in described:
        result.add(obj)
    result.link_children()
    return result


@cache
def builtin_catalog() -> Catalog:
    """The standard objects plus the demo org's custom schema: the catalog before any sync."""
    from pipelines.sandbox.schema import demo_catalog

    return demo_catalog()
