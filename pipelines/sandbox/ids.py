"""Salesforce record ids: key prefixes, the 15 → 18 character checksum, and id minting.

An id is ``<key prefix (3)><pod (2)><reserved (1)><counter (9, base 62)>`` plus, in the
18-character form, three checksum characters that make the id safe in case-insensitive
contexts. Each checksum character encodes which of five consecutive characters are upper-case
letters::

    >>> to_18("001SB0000001Ab2")
    '001SB0000001Ab2YAE'

The sandbox org mints ids from a per-prefix counter, so ids sort in creation order. The
vectorised :func:`id_array` builds millions of ids without a Python loop (the demo generator
uses it).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.soql.ids import checksum

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"  # suffix alphabet, as in soql.ids
# The "pod" part of every id the sandbox org mints; real orgs have their instance here.
POD = "SB"
COUNTER_DIGITS = 9
COUNTER_LIMIT = 62**COUNTER_DIGITS

_ID15 = re.compile(r"^[0-9A-Za-z]{15}$")
_ID18 = re.compile(r"^[0-9A-Za-z]{18}$")
_PREFIX = re.compile(r"^[0-9A-Za-z]{3}$")

# Standard key prefixes (what Salesforce uses), for objects whose catalog entry lacks one.
STANDARD_KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Lead": "00Q",
    "Case": "500",
    "CaseComment": "00a",
    "EmailMessage": "02s",
    "User": "005",
    "Profile": "00e",
    "UserRole": "00E",
    "Group": "00G",
    "Contract": "800",
    "Task": "00T",
    "Event": "00U",
    "Campaign": "701",
    "Pricebook2": "01s",
    "Product2": "01t",
    "OpportunityLineItem": "00k",
    "Asset": "02i",
    "RecordType": "012",
    "CurrencyType": "01L",
    "Organization": "00D",
}


def to_18(record_id: str) -> str:
    """Normalise a 15- or 18-character id to 18 characters; raise ``ValueError`` if malformed.

    An 18-character id must carry the checksum of its first 15 characters; real Salesforce
    compares ids case-insensitively only through that suffix, so a wrong suffix is an error.
    """
    if _ID15.match(record_id):
        return record_id + checksum(record_id)
    if _ID18.match(record_id):
        if checksum(record_id[:15]) != record_id[15:]:
            raise ValueError(f"invalid id checksum: {record_id}")
        return record_id
    raise ValueError(f"malformed id: {record_id!r}")


def is_valid_id(value: object) -> bool:
    """True for a well-formed 15- or 18-character id (checksum included)."""
    if not isinstance(value, str):
        return False
    try:
        to_18(value)
    except ValueError:
        return False
    return True


def is_key_prefix(value: str) -> bool:
    return bool(_PREFIX.match(value))


def encode_counter(value: int, width: int = COUNTER_DIGITS) -> str:
    """``value`` in base 62, zero-padded to ``width`` digits."""
    if value < 0 or value >= 62**width:
        raise ValueError(f"id counter out of range: {value}")
    digits = []
    for _ in range(width):
        value, rem = divmod(value, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def decode_counter(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 62 + BASE62.index(ch)
    return value


def make_id(prefix: str, counter: int) -> str:
    """The 18-character id the sandbox org gives the ``counter``-th record of ``prefix``."""
    id15 = f"{prefix}{POD}0{encode_counter(counter)}"
    return id15 + checksum(id15)


_BASE62_CODES = np.frombuffer(BASE62.encode("ascii"), dtype=np.uint8)
_CHECKSUM_CODES = np.frombuffer(_CHECKSUM_CHARS.encode("ascii"), dtype=np.uint8)


def id_array(prefix: str, start: int, count: int) -> pa.StringArray:
    """Ids for counters ``start .. start+count-1`` as an Arrow string array, built without a loop.

    The ids are written as rows of an ``(count, 18)`` byte matrix that becomes the Arrow
    array's data buffer directly.
    """
    if start < 0 or start + count > COUNTER_LIMIT:
        raise ValueError("id counter out of range")
    buf = np.empty((count, 18), dtype=np.uint8)
    head = np.frombuffer(f"{prefix}{POD}0".encode("ascii"), dtype=np.uint8)
    buf[:, :6] = head
    counters = np.arange(start, start + count, dtype=np.int64)
    for pos in range(COUNTER_DIGITS - 1, -1, -1):
        counters, rem = np.divmod(counters, 62)
        buf[:, 6 + pos] = _BASE62_CODES[rem]
    upper = ((buf[:, :15] >= ord("A")) & (buf[:, :15] <= ord("Z"))).reshape(count, 3, 5)
    bits = (upper * np.array([1, 2, 4, 8, 16], dtype=np.uint8)).sum(axis=2)
    buf[:, 15:] = _CHECKSUM_CODES[bits]
    offsets = np.arange(0, 18 * (count + 1), 18, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(buf.tobytes()))


def max_minted_counter(values: pa.Array | pa.ChunkedArray, prefix: str) -> int | None:
    """The highest counter among the ids in ``values`` that this sandbox minted for ``prefix``.

    Base 62 digits sort like their ASCII codes, so the largest id string holds the largest
    counter; no id needs decoding.
    """
    picked = pc.filter(values, pc.starts_with(values, prefix + POD + "0"))
    if len(picked) == 0:
        return None
    top = pc.max(picked).as_py()
    return decode_counter(top[6:15]) if top else None


def normalise_array(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Ids normalised to 18 characters, column-wise, and a mask of the malformed ones.

    Returns ``(ids, bad)``: ``ids`` is null where the input is null or malformed (wrong length,
    characters outside ``[0-9A-Za-z]``, an 18-character id whose suffix does not match);
    ``bad[i]`` is true for the malformed non-null inputs.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.string())
    n = len(values)
    present = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    shaped = pc.fill_null(
        pc.match_substring_regex(values, r"^(?:[0-9A-Za-z]{15}|[0-9A-Za-z]{18})$"), False
    )
    shape_ok = np.asarray(shaped.to_numpy(zero_copy_only=False), dtype=bool)
    long_form = np.asarray(
        pc.fill_null(pc.equal(pc.utf8_length(values), 18), False).to_numpy(zero_copy_only=False),
        dtype=bool,
    )
    fixed = pc.utf8_rpad(pc.if_else(shaped, values, "000000000000000"), width=18, padding="A")
    fixed = pc.cast(fixed, pa.string())
    offsets = np.frombuffer(fixed.buffers()[1], dtype=np.int32)[fixed.offset : fixed.offset + n + 1]
    data = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)
    matrix = (
        data[offsets[0] : offsets[0] + 18 * n].reshape(n, 18).copy()
        if n
        else np.zeros((0, 18), np.uint8)
    )
    upper = ((matrix[:, :15] >= ord("A")) & (matrix[:, :15] <= ord("Z"))).reshape(n, 3, 5)
    suffix = _CHECKSUM_CODES[(upper * np.array([1, 2, 4, 8, 16], dtype=np.uint8)).sum(axis=2)]
    wrong_suffix = long_form & shape_ok & (matrix[:, 15:] != suffix).any(axis=1)
    matrix[:, 15:] = suffix
    good = present & shape_ok & ~wrong_suffix
    out_offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int32)
    out = pa.StringArray.from_buffers(n, pa.py_buffer(out_offsets), pa.py_buffer(matrix.tobytes()))
    out = pc.if_else(pa.array(good), out, pa.scalar(None, pa.string()))
    return out, present & ~good
