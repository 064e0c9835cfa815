"""Memory handed back to the system after each phrase heard or rendered.

glibc keeps the memory a phrase's work freed for the next one, and as its mmap threshold rises
with each large block freed, more of that work comes from the heap, which only grows: Whisper's,
and above all the neural voice's (its onnxruntime arena keeps each phrase's peak too). A first
session, rendering every cue beside the models, rose to about 690 MB this way; handing the freed
memory back after each transcription and each rendering keeps it near 570 MB at the peak, at no
measurable cost in speed (docs/benchmarks.md, "The coach's voice"). Elsewhere than glibc (macOS,
Windows, musl) nothing is done.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def give_back() -> None:
    """Return the heap's free pages to the system (a few milliseconds)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
