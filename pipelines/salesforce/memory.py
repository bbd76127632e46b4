"""Keep a sync's resident memory near what it actually holds.

A Bulk read moves hundreds of megabytes through buffers of a few megabytes each — response
bodies, Arrow pages, Parquet row groups — from a dozen threads. Two allocators keep the freed
buffers mapped instead of handing them back, and the job's resident memory ends up at twice to
three times what it holds at any moment:

- Arrow's default pool (mimalloc) keeps per-thread pages for reuse; the system pool frees them;
- glibc's ``malloc`` gives every thread its own arena and, after the first large buffer is
  freed, raises its mmap threshold so that later large buffers are carved from those arenas,
  where they fragment. A fixed threshold keeps buffers of a megabyte and more in their own
  mappings, returned to the system when freed, and two arenas are enough for threads that
  mostly wait on the network.

:func:`bound_native_memory` applies both to the current process. It is process-wide, so
:func:`pipelines.salesforce.run_extract` (whose process is a sync job) calls it, not the dlt
source, which may run inside someone else's program.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

import pyarrow as pa

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20
ARENA_MAX = 2


@functools.cache
def bound_native_memory() -> bool:
    """Apply the allocator settings above (once per process); True if glibc took them."""
    pa.set_memory_pool(pa.system_memory_pool())
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_ARENA_MAX, ARENA_MAX)
    )
