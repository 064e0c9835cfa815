"""Memory handed back to the system after each phrase heard or rendered.

glibc keeps the memory a phrase's work freed for the next one, and as its mmap threshold rises
with each large block freed, more of that work comes from the heap, which only grows: Whisper's,
and above all the neural voice's (it runs without onnxruntime's arena, which would keep its
largest phrase's working memory too). Handed back after each transcription and each rendering,
it no longer adds up: a first session peaks some 40 MB lower, one process rendering long cues
beside every model about 110 MB lower, at no measurable cost in speed (docs/benchmarks.md, "The
coach's voice"). Elsewhere than glibc (macOS, Windows, musl) nothing is done.
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
