"""Giving freed memory back to the operating system between the phases of a long step.

glibc's allocator keeps what Python and Arrow free in its heaps for reuse, so a process that
loads a corpus, drops the Arrow tables and rows it was built from and goes on to build the next
thing still counts them in its resident memory. `malloc_trim(0)` returns free pages to the kernel:
measured in reconciliation alone at 10,000 documents, 90 MB after loading the facts. A no-op
where the C library is not glibc.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Returns whether the C library could be asked (glibc); costs a few milliseconds."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
