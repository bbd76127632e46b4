"""Salesforce record ids: 15-character case-sensitive ids and their 18-character form."""

from __future__ import annotations

import re

_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def is_id_shape(value: str) -> bool:
    """True for a 15-character id or an 18-character id with a well-formed suffix."""
    return bool(_ID.fullmatch(value))


def checksum(id15: str) -> str:
    """The three suffix characters that make a 15-character id case-insensitively unique."""
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SUFFIX[bits])
    return "".join(out)


def to_18(value: str) -> str:
    """Widen a 15-character id to 18 characters; 18-character ids come back unchanged."""
    return value + checksum(value) if len(value) == 15 else value


def is_valid_18(value: str) -> bool:
    return len(value) == 18 and is_id_shape(value) and checksum(value[:15]) == value[15:]
