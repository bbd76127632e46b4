"""Warehouse names for Salesforce API names.

The loader (dlt, snake_case naming) writes ``AnnualRevenue`` as ``annual_revenue`` and
``Account_Health__c`` as ``account_health_c``; the compiler must name columns exactly the same
way, so this module reproduces that convention without importing dlt (whose import costs
half a second on every CLI call). ``tests/soql/test_naming.py`` checks it against dlt itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BREAK_WORD = re.compile(r"([^_])([A-Z][a-z]+)")
_BREAK_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_NON_ALNUM = re.compile(r"[^a-zA-Z\d_]+")
_UNDERSCORES = re.compile(r"__+")
_LEADING_DIGIT = re.compile(r"^\d")
_REDUCE = str.maketrans("+-*@|", "x_xal")


@lru_cache(maxsize=8192)
def snake_case(name: str) -> str:
    """``AnnualRevenue`` → ``annual_revenue``, ``CSM__c`` → ``csm_c`` (dlt's snake_case rules)."""
    ident = _NON_ALNUM.sub("_", name.strip().translate(_REDUCE))
    ident = _BREAK_WORD.sub(r"\1_\2", ident)
    ident = _BREAK_LOWER_UPPER.sub(r"\1_\2", ident).lower()
    if _LEADING_DIGIT.match(ident):
        ident = "_" + ident
    stripped = ident.rstrip("_")
    ident = stripped + "x" * (len(ident) - len(stripped))
    return _UNDERSCORES.sub("_", ident)


def table_name(object_name: str) -> str:
    """Warehouse table of an sObject: ``Account_Health__c`` → ``account_health_c``."""
    return snake_case(object_name)


def column_name(field_name: str) -> str:
    """Warehouse column of a field: ``SystemModstamp`` → ``system_modstamp``."""
    return snake_case(field_name)
