"""The transform stage: the dbt project run against the warehouse, and previews of a config.

    >>> from pipelines.transform import run_dbt_build, preview_filter
    >>> run_dbt_build(home).summary()            # dbt build with the active config
    'dbt build: 29 models, 1 seed, 42 tests, 1 operation in 12.4s'
    >>> preview_filter(unsaved_config, home).count("Customer")
    412

* :mod:`~pipelines.transform.build`: ``run_dbt_build`` and ``run_transform`` (the sync job's
  transform step).
* :mod:`~pipelines.transform.previews`: ``preview_filter``, ``preview_aggregation``,
  ``preview_cases`` over the raw tables, for configs not saved yet.
* :mod:`~pipelines.transform.warehouse`: read-only access that tells a busy warehouse apart.
* :mod:`~pipelines.transform.sentiment`: the support-message sentiment scorer dbt and the
  previews share.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.transform.build import (
        DBT_PROJECT_DIR,
        BuildResult,
        NodeResult,
        TransformError,
        run_dbt_build,
        run_transform,
    )
    from pipelines.transform.previews import (
        AggregationPreview,
        CasesPreview,
        FilterPreview,
        preview_aggregation,
        preview_cases,
        preview_filter,
    )
    from pipelines.transform.warehouse import WarehouseBusy, WarehouseUnavailable

# Loaded on first use: the dbt project's Python model imports pipelines.transform.sentiment in
# every build, and must not pay for the config machinery the rest of the package pulls in.
_EXPORTS = {
    "DBT_PROJECT_DIR": "build",
    "BuildResult": "build",
    "NodeResult": "build",
    "TransformError": "build",
    "run_dbt_build": "build",
    "run_transform": "build",
    "AggregationPreview": "previews",
    "CasesPreview": "previews",
    "FilterPreview": "previews",
    "preview_aggregation": "previews",
    "preview_cases": "previews",
    "preview_filter": "previews",
    "WarehouseBusy": "warehouse",
    "WarehouseUnavailable": "warehouse",
}

__all__ = [
    "DBT_PROJECT_DIR",
    "AggregationPreview",
    "BuildResult",
    "CasesPreview",
    "FilterPreview",
    "NodeResult",
    "TransformError",
    "WarehouseBusy",
    "WarehouseUnavailable",
    "preview_aggregation",
    "preview_cases",
    "preview_filter",
    "run_dbt_build",
    "run_transform",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
