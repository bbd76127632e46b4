"""The versioned integration config: model, validation, store and compilation to dbt vars.

    >>> from pipelines.config import ConfigStore, load_config_file
    >>> store = ConfigStore()                      # $SFSYNC_HOME/control.sqlite
    >>> version = store.save(load_config_file("configs/default.yaml"), comment="first setup")
    >>> store.source().label
    'Database (v1)'

* :mod:`~pipelines.config.model`: ``IntegrationConfig``, the document the wizard edits.
* :mod:`~pipelines.config.validation`: parse files, validate against a catalog (and the org).
* :mod:`~pipelines.config.resolve`: the config with every name resolved and filters compiled.
* :mod:`~pipelines.config.dbt_vars`: the vars contract dbt builds on, and ``dbt_vars.json``.
* :mod:`~pipelines.config.store`: versions, activation/rollback, the current source.
* :mod:`~pipelines.config.catalogs`: the describe catalog, or the built-in one before a sync.
* :mod:`~pipelines.config.control`: ``$SFSYNC_HOME`` and the control-plane SQLite database.
"""

from __future__ import annotations

from pipelines.config.catalogs import builtin_catalog, load_catalog
from pipelines.config.compare import field_changes, pretty_json, unified_diff
from pipelines.config.control import control_db, sfsync_home, transaction
from pipelines.config.dbt_vars import (
    compile_to_dbt_vars,
    dbt_vars_path,
    fields_to_extract,
    write_dbt_vars,
)
from pipelines.config.issues import ConfigIssue, InvalidConfigError
from pipelines.config.model import (
    AccountFiltering,
    Advanced,
    CustomObject,
    IntegrationConfig,
    MetricSource,
    OwnerMapping,
    SupportCases,
    TypedFilter,
)
from pipelines.config.resolve import Resolution, resolve_config
from pipelines.config.store import (
    ConfigSource,
    ConfigStore,
    ConfigVersion,
    CurrentConfig,
    VersionNotFoundError,
    default_config_path,
)
from pipelines.config.validation import (
    check_filters_with_api,
    ensure_valid,
    load_config_file,
    parse_config,
    validate_config,
)

__all__ = [
    "AccountFiltering",
    "Advanced",
    "ConfigIssue",
    "ConfigSource",
    "ConfigStore",
    "ConfigVersion",
    "CurrentConfig",
    "CustomObject",
    "IntegrationConfig",
    "InvalidConfigError",
    "MetricSource",
    "OwnerMapping",
    "Resolution",
    "SupportCases",
    "TypedFilter",
    "VersionNotFoundError",
    "builtin_catalog",
    "check_filters_with_api",
    "compile_to_dbt_vars",
    "control_db",
    "dbt_vars_path",
    "default_config_path",
    "ensure_valid",
    "field_changes",
    "fields_to_extract",
    "load_catalog",
    "load_config_file",
    "parse_config",
    "pretty_json",
    "resolve_config",
    "sfsync_home",
    "transaction",
    "unified_diff",
    "validate_config",
    "write_dbt_vars",
]
