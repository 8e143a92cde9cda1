"""Keep freed tensor memory inside the process instead of handing it back to the OS each time.

glibc's malloc serves large blocks (above its adaptive mmap threshold, 128 KB at start) with a
fresh ``mmap`` and returns them with ``munmap`` when freed, and trims the heap top above a small
threshold. A diffusion sampler or a training step allocates and frees the same large temporaries
at every network call, so every call pays page faults that zero new pages: on the 2-core
machines a GDSS QM9 sampling step (1,000 molecules) spent 0-27 ms of system time in them, and
its wall time varied between 30 and 50 ms from one run to the next. With mmap off and no trimming
the freed blocks are reused: 33 ms per network call, no system time, no spread.

This is process-wide allocator state, so the library never changes it on import: the ``geogen``
command line calls :func:`retain_freed_memory` once at start (``GEOGEN_MALLOC_TUNING=0`` turns
that off); library users may call it themselves. The price is resident memory: blocks freed
below the top of the heap are kept for reuse until the process ends, and fragmentation can raise
the peak RSS. PONITA's fully connected QM9-size batch (2 threads): 4.1 s per step at 3.23 GB
peak RSS with the setting, 5.1 s at 2.00 GB without (3.0 of its 10 CPU-s were page faults).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = ["retain_freed_memory", "tuning_enabled"]

# mallopt parameter numbers (glibc <malloc.h>)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def tuning_enabled() -> bool:
    """Whether the command line applies :func:`retain_freed_memory` (``GEOGEN_MALLOC_TUNING`` is not 0)."""
    return os.environ.get("GEOGEN_MALLOC_TUNING", "1") != "0"


def retain_freed_memory(trim_threshold: int | None = None) -> bool:
    """Make glibc malloc reuse freed large blocks (no per-block mmap; trim only above ``trim_threshold``).

    Args:
        trim_threshold: bytes of free memory at the top of the heap kept before returning any;
            None (the default) never trims. A finite threshold is exceeded whenever a step frees
            more than it at the heap top, and the memory is faulted in again at the next step:
            GDSS on grid-size graphs (N = 361, 20 graphs, ~3 GB of temporaries per network call)
            with a 1 GB threshold kept page-faulting ~1-2 GB per call (1-4 s of system time in a
            4-5 s call); never trimming, the faults stop after the heap has grown to its peak.
    Returns:
        True when applied; False on other platforms or C libraries (nothing changed), or when
        ``GEOGEN_MALLOC_TUNING=0``.
    """
    if not tuning_enabled() or not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt(3): M_TRIM_THRESHOLD = -1 disables trimming completely
    trim = -1 if trim_threshold is None else max(0, min(int(trim_threshold), 2**31 - 1))
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, trim))
